import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_PREVIEW_CHARS } from '#host/explore';
import { MAX_PREVIEW_ROWS, requestSchemas } from '#shared/contract';
import { clusteredVectors, writeVectorOutput } from '../support/vectorOutputs';
import { serviceHarness } from './serviceHarness';

const h = await serviceHarness();
const LONG = `a long text ${'of many words '.repeat(20)}`.trim();

/** 120 rows at lines 1-132 (every 11th line skipped), the 4th of a long text. */
async function synthetic(name: string, rows = 120): Promise<string> {
  const vectors = clusteredVectors(rows, 16, 4, 9);
  const path = join(h.dir, `${name}.jsonl`);
  await writeVectorOutput(
    path,
    'jsonl',
    Array.from({ length: rows }, (_, row) => ({
      line: row + 1 + Math.floor(row / 10),
      text: row === 3 ? LONG : `row number ${row}`,
      embedding: vectors.slice(row * 16, (row + 1) * 16),
    })),
  );
  return path;
}

describe('the map in the host', () => {
  it('answers every row’s place and cluster with progress events, then from <output>.map.json at once', async () => {
    const output = await synthetic('mapped');
    const since = h.events.length;

    const map = await h.ok('explore:map', { output });

    expect(map).toMatchObject({ output, rows: 120 });
    expect(map.lines).toEqual(Array.from({ length: 120 }, (_, row) => row + 1 + Math.floor(row / 10)));
    expect(map.x).toHaveLength(120);
    expect(map.y).toHaveLength(120);
    expect([...map.x, ...map.y].every(Number.isFinite)).toBe(true);
    expect(map.clusterIds.every((id) => id >= 0 && id < map.clusters.length)).toBe(true);
    expect(map.clusters).toHaveLength(8);
    expect(Object.keys(map).sort()).toEqual(['clusterIds', 'clusters', 'lines', 'output', 'rows', 'x', 'y']);
    const phases = h.of('explore:mapProgress', since).map(({ payload }) => payload.phase);
    expect(new Set(phases)).toEqual(new Set(['sample', 'layout', 'place']));

    const after = h.events.length;
    expect(await h.ok('explore:map', { output })).toEqual(map);
    expect(h.of('explore:mapProgress', after)).toEqual([]);
  });

  it('gives the lines and the starts of the texts of the rows at the places asked for, leaving out places past the end', async () => {
    const output = await synthetic('previews');

    const { rows } = await h.ok('explore:rows', { output, places: [3, 120, 1] });

    expect(rows).toEqual([
      {
        place: 3,
        line: 4,
        text: `${Array.from(LONG)
          .slice(0, MAP_PREVIEW_CHARS - 1)
          .join('')}…`,
      },
      { place: 1, line: 2, text: 'row number 1' },
    ]);
  });

  it('stops a map being made on explore:cancel', async () => {
    const output = await synthetic('cancelled', 400);
    const reply = h.service.handle('explore:map', { output });
    await h.waitFor('explore:mapProgress', (progress) => progress.output === output && progress.phase === 'layout');

    expect(await h.ok('explore:cancel', {})).toBeNull();

    expect(await reply).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('gives the neighbours of a row, itself left out, and writes chosen lines to a file', async () => {
    const output = await synthetic('neighbours');
    const target = join(h.dir, 'lines.txt');

    const { row, hits } = await h.ok('explore:neighbours', { output, place: 1, top: 5 });
    const written = await h.ok('explore:exportLines', { path: target, lines: [2, 5, 7] });
    const closed = await h.ok('explore:exportLines', { path: null, lines: [2] });

    expect(row).toEqual({ place: 1, line: 2, text: 'row number 1' });
    expect(hits).toHaveLength(5);
    expect(hits.map((hit) => hit.line)).not.toContain(2);
    expect(hits.every((hit) => hit.line === hit.place + 1 + Math.floor(hit.place / 10))).toBe(true);
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    expect(written).toEqual({ path: target });
    expect(await readFile(target, 'utf8')).toBe('2\n5\n7\n');
    // No dialogs here (serve mode): a request without a path writes nothing.
    expect(closed).toEqual({ path: null });
  });

  it('refuses a request without an output, or with lines out of bounds', () => {
    expect(requestSchemas['explore:map'].safeParse({}).success).toBe(false);
    expect(requestSchemas['explore:rows'].safeParse({ output: 'out.jsonl', places: [] }).success).toBe(false);
    expect(requestSchemas['explore:rows'].safeParse({ output: 'out.jsonl', places: [-1] }).success).toBe(false);
    expect(requestSchemas['explore:rows'].safeParse({ output: 'out.jsonl', lines: [1] }).success).toBe(false);
    const many = Array.from({ length: MAX_PREVIEW_ROWS + 1 }, (_, i) => i + 1);
    expect(requestSchemas['explore:rows'].safeParse({ output: 'out.jsonl', places: many }).success).toBe(false);
    expect(requestSchemas['explore:rows'].safeParse({ output: 'out.jsonl', places: [0, 2] }).success).toBe(true);
  });
});
