import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbedJobSummary, OutputFormat } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { corpusLines } from '../support/corpus';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY, TINY_F16 } from '../support/testModels';
import { embedArgs, expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;

/** An earlier input, with a blank line, and texts some of which come twice. */
const OLD = corpusLines(300, 61, 2, 14).map((text, i) => (i === 40 ? '' : text));
/**
 * The input now: a line changed, three inserted, three deleted, one moved to the end, one copied further down, one
 * moved up and a blank line made of a text.
 */
function newLines(): string[] {
  const lines = [...OLD];
  lines[4] = 'a text the earlier run never saw';
  lines.splice(10, 0, 'inserted one', 'inserted two', 'inserted three');
  lines.splice(60, 3);
  const [moved = ''] = lines.splice(100, 1);
  lines.push(moved);
  lines.splice(200, 0, OLD[7] ?? '');
  const [up = ''] = lines.splice(250, 1);
  lines.splice(20, 0, up);
  lines[43] = 'where a blank line was';
  return lines;
}
const NEW = newLines();
const OLD_TEXTS = new Set(OLD.map((text) => text.trim()).filter(Boolean));
/** The lines of the new input whose text the earlier output has a row for, and those it has none for. */
const REUSABLE = NEW.filter((text) => OLD_TEXTS.has(text.trim())).length;
const FRESH = NEW.filter((text) => text.trim() && !OLD_TEXTS.has(text.trim())).length;

const oldInput = join(dir, 'old.txt');
const newInput = join(dir, 'new.txt');

beforeAll(async () => {
  model = await testModelPath(TINY);
  await writeFile(oldInput, `${OLD.join('\n')}\n`);
  await writeFile(newInput, `${NEW.join('\n')}\n`);
});

/**
 * One text a batch, one thread: a text's vector then depends on nothing but the text, so that a full run and a run that
 * reuses rows write the same bytes (with bigger batches, a text's numbers can differ in their last bits with the texts
 * it shares a decode with, as between any two runs that batch differently).
 */
const ONE_AT_A_TIME = ['--threads', '1', '--batch-size', '1'];

function embed(input: string, output: string, ...more: string[]): ReturnType<typeof runCli> {
  return runCli(embedArgs(model, input, output, ...ONE_AT_A_TIME, ...more));
}

async function embedOk(input: string, output: string, ...more: string[]): Promise<EmbedJobSummary> {
  const result = await embed(input, output, '--json', ...more);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as EmbedJobSummary;
}

/** Every column of a Parquet output but the processing times, which no two runs share. */
async function parquetRows(path: string): Promise<unknown[]> {
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
  return rows.map(({ processing_time_ms: _time, ...row }) => row);
}

/** The formats whose rows are reused (a LanceDB table's are not yet). */
type ReusedFormat = Exclude<OutputFormat, 'lance'>;

const FILES: Record<ReusedFormat, (output: string) => string[]> = {
  jsonl: (output) => [output, `${output}.skipped.jsonl`],
  npy: (output) => [output, output.replace(/\.npy$/, '.lines.npy'), `${output}.skipped.jsonl`],
  parquet: (output) => [`${output}.skipped.jsonl`],
};

async function expectSameOutput(format: ReusedFormat, actual: string, expected: string): Promise<void> {
  const wanted = FILES[format](expected);
  for (const [i, path] of FILES[format](actual).entries()) {
    expect((await readFile(path)).equals(await readFile(wanted[i] ?? '')), `${path} differs from ${wanted[i]}`).toBe(
      true,
    );
  }
  if (format === 'parquet') expect(await parquetRows(actual)).toEqual(await parquetRows(expected));
  const [record, full] = await Promise.all(
    [actual, expected].map(async (path) => JSON.parse(await readFile(`${path}.run.json`, 'utf8')) as RunRecord),
  );
  expect(record.output).toEqual(full.output);
  expect(record.precision).toEqual(full.precision);
}

describe('embed --reuse', () => {
  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'embeds only the new and changed texts of a %s output and writes what a full run writes',
    async (format) => {
      const earlier = join(dir, `earlier.${format}`);
      await embedOk(oldInput, earlier);
      const reused = join(dir, `reused.${format}`);
      const summary = await embedOk(newInput, reused, '--reuse', earlier);
      expect(summary.stats.reused).toBe(REUSABLE);
      expect(summary.stats.embedded - summary.stats.reused).toBe(FRESH);
      expect(summary.reusedFrom).toBe(earlier);
      const record = JSON.parse(await readFile(`${reused}.run.json`, 'utf8')) as RunRecord;
      expect(record.reused).toEqual({ output: earlier, lines: REUSABLE });

      const full = join(dir, `full.${format}`);
      const whole = await embedOk(newInput, full);
      expect(whole.stats.reused).toBe(0);
      await expectSameOutput(format, reused, full);
    },
  );

  it('says in its summary how many lines were reused and how many embedded', async () => {
    const earlier = join(dir, 'summary-earlier.jsonl');
    await embedOk(oldInput, earlier);
    const result = await embed(newInput, join(dir, 'summary.jsonl'), '--reuse', earlier);
    expect(result.code, result.stderr).toBe(0);
    const lines = NEW.filter((text) => text.trim()).length;
    expect(result.stdout).toContain(`Embedded ${FRESH} and reused ${REUSABLE} of ${NEW.length} lines`);
    expect(result.stdout).toContain(
      `embedded     ${lines} (${REUSABLE} rows reused from ${earlier}, ${FRESH} embedded)`,
    );
  });

  it('copies the numbers the earlier output stored for exactly the texts it has, wherever they are now', async () => {
    const earlier = join(dir, 'marked.jsonl');
    await embedOk(oldInput, earlier);
    // Every earlier row gets numbers of its own no model gives: a row that has them was copied, not embedded.
    const rows = await readJsonl(earlier);
    const marks = new Map<string, number[]>();
    const marked = rows.map((row, i) => {
      const embedding = row.embedding.map((_, k) => (k === 0 ? i + 2 : 0));
      marks.set(row.text, embedding);
      return JSON.stringify({ ...row, embedding });
    });
    await writeFile(earlier, `${marked.join('\n')}\n`);

    const output = join(dir, 'from-marked.jsonl');
    const full = join(dir, 'from-marked-full.jsonl');
    await embedOk(newInput, output, '--reuse', earlier);
    await embedOk(newInput, full);
    const fullRows = new Map((await readJsonl(full)).map((row) => [row.line, row]));
    const written = await readJsonl(output);
    expect(written.map((row) => row.line)).toEqual([...fullRows.keys()]);
    let copied = 0;
    for (const row of written) {
      const mark = marks.get(row.text);
      expect(row.text).toBe(NEW[row.line - 1]?.trim());
      if (mark) copied += 1;
      expect(row.embedding, `line ${row.line}`).toEqual(mark ?? fullRows.get(row.line)?.embedding);
    }
    expect(copied).toBe(REUSABLE);
  });

  it('reuses a .npy output (no texts or token counts) for a JSON Lines one, as a full run writes it', async () => {
    const earlier = join(dir, 'cross.npy');
    await embedOk(oldInput, earlier);
    const output = join(dir, 'cross.jsonl');
    const full = join(dir, 'cross-full.jsonl');
    expect((await embedOk(newInput, output, '--reuse', earlier)).stats.reused).toBe(REUSABLE);
    await embedOk(newInput, full);
    await expectSameOutput('jsonl', output, full);
  });

  it('scales int8 rows by the earlier output ranges, which its run record keeps', async () => {
    const earlier = join(dir, 'int8.parquet');
    await embedOk(oldInput, earlier, '--precision', 'int8');
    const output = join(dir, 'int8-reused.parquet');
    expect((await embedOk(newInput, output, '--precision', 'int8', '--reuse', earlier)).stats.reused).toBe(REUSABLE);
    const [before, after] = await Promise.all(
      [earlier, output].map(async (path) => JSON.parse(await readFile(`${path}.run.json`, 'utf8')) as RunRecord),
    );
    expect(after.precision).toEqual(before.precision);
    const earlierRows = new Map(
      (await parquetReadObjects({ file: await asyncBufferFromFile(earlier) })).map((row) => [row.text, row.embedding]),
    );
    let copied = 0;
    for (const row of await parquetReadObjects({ file: await asyncBufferFromFile(output) })) {
      const stored = earlierRows.get(row.text);
      if (!stored) continue;
      expect(row.embedding).toEqual(stored);
      copied += 1;
    }
    expect(copied).toBe(REUSABLE);
  });

  it('reuses a shard output for any lines, a merged output, and a full output for a shard', async () => {
    const part = join(dir, 'part-0.jsonl');
    await embedOk(oldInput, part, '--shard', '0/2');
    const inPart = new Set((await readJsonl(part)).map((row) => row.text));
    const fromPart = await embedOk(newInput, join(dir, 'from-part.jsonl'), '--reuse', part);
    expect(fromPart.stats.reused).toBe(NEW.filter((text) => inPart.has(text.trim())).length);
    const other = join(dir, 'part-1.jsonl');
    await embedOk(oldInput, other, '--shard', '1/2');
    const merged = join(dir, 'merged.jsonl');
    const merging = await runCli(['merge', '--output', merged, part, other]);
    expect(merging.code, merging.stderr).toBe(0);
    expect((await embedOk(newInput, join(dir, 'from-merged.jsonl'), '--reuse', merged)).stats.reused).toBe(REUSABLE);

    const earlier = join(dir, 'for-shard.jsonl');
    await embedOk(oldInput, earlier);
    const shard = join(dir, 'shard-1.jsonl');
    const full = join(dir, 'shard-1-full.jsonl');
    const summary = await embedOk(newInput, shard, '--shard', '1/2', '--reuse', earlier);
    expect(summary.stats.reused).toBe(NEW.filter((text, i) => i % 2 === 1 && OLD_TEXTS.has(text.trim())).length);
    await embedOk(newInput, full, '--shard', '1/2');
    await expectSameOutput('jsonl', shard, full);
  });

  it('continues after kill -9 with --resume, reusing the same rows, and writes what a full run writes', async () => {
    // Half of the texts new, so that the run checkpoints (after every text embedded) long before its end.
    const lines = corpusLines(1_200, 67, 2, 14);
    const earlierLines = lines.map((text, i) => (i % 2 ? text : `${text} before`));
    const input = join(dir, 'resume-new.txt');
    const earlierInput = join(dir, 'resume-old.txt');
    await writeFile(input, `${lines.join('\n')}\n`);
    await writeFile(earlierInput, `${earlierLines.join('\n')}\n`);
    const earlier = join(dir, 'resume-earlier.jsonl');
    await embedOk(earlierInput, earlier);
    const reusable = lines.filter((text) => new Set(earlierLines).has(text)).length;

    const output = join(dir, 'resumed.jsonl');
    const checkpoint = `${output}.checkpoint`;
    const killed = await runCli(embedArgs(model, input, output, ...ONE_AT_A_TIME, '--reuse', earlier), (child) => {
      const poll = setInterval(() => {
        const marks = existsSync(checkpoint) ? readFileSync(checkpoint, 'utf8').split('"lastLine"').length - 1 : 0;
        if (marks >= 20) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 5);
      child.on('close', () => clearInterval(poll));
    });
    expect(killed.code, killed.stderr).toBeNull();
    const resumed = await embedOk(input, output, '--resume', '--reuse', earlier);
    expect(resumed.resumedAfterLine).toBeGreaterThan(0);
    expect(resumed.stats.reused).toBe(reusable);

    const full = join(dir, 'resumed-full.jsonl');
    await embedOk(input, full);
    await expectSameOutput('jsonl', output, full);
  });
});

describe('embed --reuse refuses', () => {
  let earlier: string;
  beforeAll(async () => {
    earlier = join(dir, 'refused-earlier.jsonl');
    await embedOk(oldInput, earlier);
  });

  async function expectRefused(message: RegExp, ...more: string[]): Promise<void> {
    const output = join(dir, 'refused.jsonl');
    const result = await embed(newInput, output, ...more);
    expectError(result, 3, message, /--reuse/);
    expect((await readdir(dir)).filter((name) => name.startsWith('refused.'))).toEqual([]);
  }

  it('an output of another model', async () => {
    const ofOther = join(dir, 'other-model.jsonl');
    const made = await runCli([
      'embed',
      '--model',
      await testModelPath(TINY_F16),
      '--input',
      oldInput,
      '--output',
      ofOther,
    ]);
    expect(made.code, made.stderr).toBe(0);
    await expectRefused(
      /other-model\.jsonl cannot be reused: it was made with another model file \(tiny-bert-f16\S*\.gguf, \d+ bytes; this run's is tiny-bert, \d+ bytes\)\.$/,
      '--reuse',
      ofOther,
    );
  });

  it.for([
    [['--normalize', 'none'], /its normalization was "l2", this run's "none"/],
    [['--prefix', 'query: '], /its prefix was "", this run's "query: "/],
    [['--dimensions', '16'], /its number of dimensions kept was all, this run's 16/],
    [['--context-size', '64'], /its context size was 128, this run's 64/],
    [['--on-long', 'mean'], /its long-text policy was "truncate", this run's "mean"/],
    [['--precision', 'float16'], /it stored float32 vectors, this run stores float16/],
  ] as const)('an output made with other options: %s', async ([options, message]) => {
    await expectRefused(message, '--reuse', earlier, ...options);
  });

  it('an output of --on-long chunk, whose rows hold chunks rather than lines', async () => {
    const chunks = join(dir, 'chunks.jsonl');
    const chunking = ['--on-long', 'chunk', '--context-size', '64', '--chunk-tokens', '24'];
    await embedOk(oldInput, chunks, ...chunking);
    await expectRefused(/has a row for each chunk of its long lines/, '--reuse', chunks, ...chunking);
  });

  it('a LanceDB table, whose rows are not reused yet', async () => {
    const table = join(dir, 'earlier.lance');
    await embedOk(oldInput, table);
    await expectRefused(
      /earlier\.lance cannot be reused: it is a LanceDB table, whose rows are not reused yet/,
      '--reuse',
      table,
    );
  });

  it('a file that is no output, and an output without its run record or damaged', async () => {
    await expectRefused(/new\.txt cannot be reused: .*has no usable run record/, '--reuse', newInput);
    const copy = join(dir, 'no-record.jsonl');
    await writeFile(copy, await readFile(earlier));
    await expectRefused(/no-record\.jsonl cannot be reused: .*run\.json does not exist/, '--reuse', copy);
    const damaged = join(dir, 'damaged.jsonl');
    const rows = (await readFile(earlier, 'utf8')).split('\n');
    await writeFile(damaged, [...rows.slice(0, 5), '{"line":9,"text":"cut', ...rows.slice(6)].join('\n'));
    await writeFile(`${damaged}.run.json`, await readFile(`${earlier}.run.json`));
    await expectRefused(
      /damaged\.jsonl is not an output a run writes: row 6 has no line, text and embedding/,
      '--reuse',
      damaged,
    );
    const garbage = join(dir, 'garbage.parquet');
    await writeFile(garbage, 'not a Parquet file at all');
    const record = JSON.parse(await readFile(`${earlier}.run.json`, 'utf8')) as RunRecord;
    await writeFile(
      `${garbage}.run.json`,
      JSON.stringify({ ...record, output: { ...record.output, format: 'parquet' } }),
    );
    await expectRefused(/garbage\.parquet cannot be reused: its parquet file cannot be read \(/, '--reuse', garbage);
  });
});
