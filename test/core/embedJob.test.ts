import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbeddingModel } from '#core/model';
import { corpusLines } from '../support/corpus';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());

let runNumber = 0;
function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options });
}

interface SkipRow {
  line: number;
  reason: string;
  detail?: string;
}

/** A mixed input: BOM, CRLF, blanks, emoji/CJK/RTL, a line far over the context, invalid UTF-8 and NUL bytes. */
function messyInput(lines: number): { bytes: Buffer; expected: Map<number, string> } {
  const corpus = corpusLines(lines, 3, 1, 12);
  const parts: Buffer[] = [Buffer.from('\uFEFF')];
  const expected = new Map<number, string>();
  const special = ['emoji 🙂👍🏽 ok', '東京タワー と 富士山', 'مرحبا بالعالم', 'שלום עולם'];
  for (let i = 0; i < lines; i += 1) {
    const line = i + 1;
    let bytes: Buffer;
    let reason: string;
    if (line % 97 === 0) [bytes, reason] = [Buffer.from(''), 'blank'];
    else if (line % 89 === 0) [bytes, reason] = [Buffer.from(' \t  '), 'blank'];
    else if (line % 113 === 0) [bytes, reason] = [Buffer.from([0x61, 0xff, 0x62]), 'invalid-utf8'];
    else if (line % 127 === 0) [bytes, reason] = [Buffer.from('a\u0000b'), 'nul-byte'];
    else if (line % 501 === 0) [bytes, reason] = [Buffer.from('the of and '.repeat(300)), 'embedded:truncated'];
    else if (line % 7 === 0) [bytes, reason] = [Buffer.from(special[line % special.length]), 'embedded'];
    else [bytes, reason] = [Buffer.from(corpus[i]), 'embedded'];
    expected.set(line, reason);
    parts.push(bytes, Buffer.from(line === lines ? '' : line % 3 === 0 ? '\r\n' : '\n'));
  }
  return { bytes: Buffer.concat(parts), expected };
}

describe('runEmbedJob', () => {
  it('accounts for every line of a 10,000-line messy file exactly once, with the right line numbers', async () => {
    const { bytes, expected } = messyInput(10_000);
    const input = join(dir, 'messy.txt');
    const output = join(dir, 'messy.jsonl');
    await writeFile(input, bytes);
    const summary = await job({ input, output, batch: { batchSize: 64 } });

    const rows = await readJsonl(output);
    const skipped = await readJsonl<SkipRow>(summary.skipLog);
    const seen = new Map<number, string>();
    for (const row of rows) {
      expect(seen.has(row.line)).toBe(false);
      seen.set(row.line, row.truncated ? 'embedded:truncated' : 'embedded');
    }
    for (const skip of skipped) {
      expect(seen.has(skip.line)).toBe(false);
      seen.set(skip.line, skip.reason);
    }
    expect(new Map([...seen].sort(([a], [b]) => a - b))).toEqual(expected);
    expect(rows.map((r) => r.line)).toEqual([...rows.map((r) => r.line)].sort((a, b) => a - b));
    expect(skipped.map((r) => r.line)).toEqual([...skipped.map((r) => r.line)].sort((a, b) => a - b));

    const counts = (want: (reason: string) => boolean): number => [...expected.values()].filter(want).length;
    expect(summary.stats).toMatchObject({
      lines: 10_000,
      embedded: counts((r) => r.startsWith('embedded')),
      truncated: counts((r) => r === 'embedded:truncated'),
      skipped: counts((r) => !r.startsWith('embedded')),
      failed: 0,
      tokens: rows.reduce((sum, r) => sum + r.tokens, 0),
    });
    const row = rows.find((r) => r.line === 7 * 4);
    expect(row?.text).toBe('emoji 🙂👍🏽 ok');
  });

  it('splits its time into tokenize, decode, read-out, write and idle, adding up to its wall time, on both engines', async () => {
    const input = join(dir, 'time.txt');
    await writeFile(input, corpusLines(2000, 13, 3, 40).join('\n'));
    const contexts = await EmbeddingModel.load(await testModelPath(TINY), {
      threads: 2,
      contextSize: 64,
      engine: 'contexts',
    });
    try {
      for (const loaded of [model, contexts]) {
        const { stats } = await job({ model: loaded, input, output: join(dir, `time-${loaded.info.engine}.npy`) });
        const { time, elapsedMs } = stats;
        const phases = [time.tokenizeMs, time.decodeMs, time.readOutMs, time.writeMs];
        for (const ms of phases) expect(ms, loaded.info.engine).toBeGreaterThan(0);
        expect(time.idleMs).toBeGreaterThanOrEqual(0);
        // No time is counted twice: the counted phases fit within the wall time, the rest of which is idle.
        expect(phases.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(elapsedMs);
        expect(phases.reduce((sum, ms) => sum + ms, time.idleMs)).toBeCloseTo(elapsedMs, 6);
      }
    } finally {
      await contexts.dispose();
    }
  });

  it('writes the same vectors to .jsonl, .npy and .parquet', async () => {
    const lines = corpusLines(5000, 11);
    lines[2] = '';
    const input = join(dir, 'formats.txt');
    await writeFile(input, lines.join('\n'));
    const jsonl = await job({ input, output: join(dir, 'formats.jsonl') });
    const npy = await job({ input, output: join(dir, 'formats.npy') });
    const parquet = await job({ input, output: join(dir, 'formats.parquet') });
    const rows = await readJsonl(jsonl.outputs[0]);
    expect(rows).toHaveLength(4999);
    expect(jsonl.outputBytes).toBe((await readFile(jsonl.outputs[0])).length);

    expect(npy.outputs).toEqual([join(dir, 'formats.npy'), join(dir, 'formats.lines.npy')]);
    const matrix = await readNpy(npy.outputs[0]);
    const lineNumbers = await readNpy(npy.outputs[1]);
    expect(matrix.descr).toBe('<f4');
    expect(matrix.shape).toEqual([4999, 32]);
    expect(lineNumbers).toMatchObject({ descr: '<u4', shape: [4999] });
    expect(Array.from(lineNumbers.data)).toEqual(rows.map((r) => r.line));
    // JSONL's nine significant digits must read back as exactly the float32 values of the binary formats.
    const float32 = (values: number[]): number[] => Array.from(Float32Array.from(values));
    rows.forEach((row, i) =>
      expect(Array.from(matrix.data.subarray(i * 32, (i + 1) * 32))).toEqual(float32(row.embedding)),
    );

    const table = await parquetReadObjects({ file: await asyncBufferFromFile(parquet.outputs[0]) });
    expect(table).toHaveLength(4999);
    expect(Object.keys(table[0]).sort()).toEqual([
      'embedding',
      'line',
      'processing_time_ms',
      'sequence_length',
      'text',
      'text_hash',
      'truncated',
    ]);
    table.forEach((record, i) => {
      const row = rows[i];
      expect(Number(record.line)).toBe(row.line);
      expect(record.text).toBe(row.text);
      expect(record.sequence_length).toBe(row.tokens);
      expect(record.embedding).toEqual(float32(row.embedding));
      expect(record.text_hash).toMatch(/^[0-9a-f]{32}$/);
    });
    for (const summary of [jsonl, npy, parquet]) {
      expect(await readJsonl<SkipRow>(summary.skipLog)).toEqual([{ line: 3, reason: 'blank' }]);
    }
  });

  it('fails a run that embeds nothing, saying why, writing no embeddings and keeping the skip log', async () => {
    const folder = join(dir, 'nothing');
    await mkdir(folder);
    const input = join(folder, 'blank.txt');
    await writeFile(input, '\n  \na\u0000b\n');
    for (const format of ['npy', 'parquet'] as const) {
      const output = join(folder, `blank.${format}`);
      await expect(job({ input, output })).rejects.toMatchObject({
        code: 'NOTHING_EMBEDDED',
        message: `Nothing was embedded: all 3 lines of ${input} were skipped (blank 2, nul-byte 1); ${output}.skipped.jsonl gives the reason for each.`,
        stats: { lines: 3, embedded: 0, skipped: 3 },
        partialFiles: [],
        resumeAfterLine: null,
      });
      expect(await readJsonl<SkipRow>(`${output}.skipped.jsonl`)).toHaveLength(3);
    }
    expect((await readdir(folder)).sort()).toEqual([
      'blank.npy.skipped.jsonl',
      'blank.parquet.skipped.jsonl',
      'blank.txt',
    ]);

    const jsonInput = join(folder, 'docs.jsonl');
    await writeFile(jsonInput, '{"body":"a text"}\n{"body":"another"}\n');
    await expect(job({ input: jsonInput, output: join(folder, 'docs.out.jsonl') })).rejects.toMatchObject({
      code: 'NOTHING_EMBEDDED',
      message: expect.stringContaining('were skipped (missing-field 2)'),
      remedy: { kind: 'fixSkippedLines', reason: 'missing-field' },
    });

    const empty = join(folder, 'empty.txt');
    await writeFile(empty, '');
    await expect(job({ input: empty, output: join(folder, 'empty.jsonl') })).rejects.toMatchObject({
      code: 'NOTHING_EMBEDDED',
      message: `Nothing was embedded: ${empty} is empty.`,
      remedy: { kind: 'advice', text: 'Choose an input file with one text per line.' },
    });
    expect((await readdir(folder)).filter((name) => name.startsWith('empty.jsonl'))).toEqual([]);
  });

  it('replaces none of an earlier output when a run told to overwrite it embeds nothing', async () => {
    const folder = join(dir, 'nothing-over');
    await mkdir(folder);
    const good = join(folder, 'good.txt');
    await writeFile(good, corpusLines(5).join('\n'));
    const blank = join(folder, 'blank.txt');
    await writeFile(blank, '\n  \n\n');
    const output = join(folder, 'out.npy');
    await job({ input: good, output });
    const earlier = ['out.npy', 'out.lines.npy', 'out.npy.skipped.jsonl', 'out.npy.run.json'].map((name) =>
      join(folder, name),
    );
    const before = await Promise.all(earlier.map((path) => readFile(path)));

    await expect(job({ input: blank, output, overwrite: true })).rejects.toMatchObject({
      code: 'NOTHING_EMBEDDED',
      message: `Nothing was embedded: all 3 lines of ${blank} were skipped (blank 3); ${output}.skipped.jsonl.partial gives the reason for each.`,
      partialFiles: [],
    });
    // The earlier output, its skip log and its run record are as they were, and still tell the same run.
    expect(await Promise.all(earlier.map((path) => readFile(path)))).toEqual(before);
    expect(await readJsonl<SkipRow>(`${output}.skipped.jsonl.partial`)).toHaveLength(3);

    // The next run told to overwrite replaces all of it, the skip log left under .partial included.
    await job({ input: good, output, overwrite: true });
    expect((await readdir(folder)).filter((name) => name.startsWith('out.')).sort()).toEqual([
      'out.lines.npy',
      'out.npy',
      'out.npy.run.json',
      'out.npy.skipped.jsonl',
    ]);
  });

  it.each(['jsonl', 'npy', 'parquet', 'lance'] as const)(
    'leaves no %s file under the final name when cancelled mid-file',
    async (format) => {
      const input = join(dir, `cancel-${format}.txt`);
      await writeFile(input, corpusLines(20_000).join('\n'));
      const folder = join(dir, `cancel-${format}`);
      await import('node:fs/promises').then((fs) => fs.mkdir(folder));
      const output = join(folder, `out.${format}`);
      const controller = new AbortController();
      const run = job({
        input,
        output,
        signal: controller.signal,
        batch: { progressIntervalMs: 0 },
        onProgress: (p) => p.linesDone > 500 && controller.abort(),
      });
      await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await readdir(folder)).toEqual([]);
    },
  );

  it('keeps what it finished under .partial names when a line stops the run, and nothing under the final name', async () => {
    const lines = corpusLines(300);
    lines[199] = 'the of and '.repeat(300);
    const input = join(dir, 'stop.txt');
    await writeFile(input, lines.join('\n'));
    const output = join(dir, 'stop.npy');
    const failing = await EmbeddingModel.load(model.info.path, { threads: 2, contextSize: 64, onLong: 'fail' });
    try {
      const run = runEmbedJob({ model: failing, input, output, batch: { batchSize: 16 } });
      await expect(run).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        message: expect.stringContaining('Line 200'),
        partialFiles: [
          `${output}.partial`,
          `${join(dir, 'stop.lines.npy')}.partial`,
          `${output}.skipped.jsonl.partial`,
        ],
      });
    } finally {
      await failing.dispose();
    }
    expect(existsSync(output)).toBe(false);
    const kept = await readNpy(`${output}.partial`);
    expect(kept.shape).toEqual([199, 32]);
    expect(Array.from((await readNpy(join(dir, 'stop.lines.npy.partial'))).data)).toEqual(
      lines.slice(0, 199).map((_, i) => i + 1),
    );
  });

  it('keeps the rows of a LanceDB run that a line stopped in its staged table, and no table under the final name', async () => {
    const lines = corpusLines(300);
    lines[199] = 'the of and '.repeat(300);
    const input = join(dir, 'stop-lance.txt');
    await writeFile(input, lines.join('\n'));
    const output = join(dir, 'stop.lance');
    const failing = await EmbeddingModel.load(model.info.path, { threads: 2, contextSize: 64, onLong: 'fail' });
    try {
      const run = runEmbedJob({ model: failing, input, output, batch: { batchSize: 16 } });
      await expect(run).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        partialFiles: [`${output}.partial`, `${output}.skipped.jsonl.partial`],
      });
    } finally {
      await failing.dispose();
    }
    expect(existsSync(output)).toBe(false);
    const table = await (await connect(`${output}.partial`)).openTable('table');
    expect(await table.countRows()).toBe(199);
  });

  it('refuses an existing output unless told to overwrite, and replaces it whole when told', async () => {
    const input = join(dir, 'small.txt');
    await writeFile(input, 'one\ntwo\n');
    const output = join(dir, `existing-${(runNumber += 1)}.jsonl`);
    await writeFile(output, 'precious');
    await expect(job({ input, output })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      remedy: { kind: 'overwriteOrChooseOutput' },
    });
    expect(await readFile(output, 'utf8')).toBe('precious');
    await job({ input, output, overwrite: true });
    expect((await readJsonl(output)).map((r) => r.text)).toEqual(['one', 'two']);
  });

  it('checks the output folder and format before loading anything', async () => {
    const input = join(dir, 'small.txt');
    await expect(job({ input, output: join(dir, 'no-such-folder', 'out.jsonl') })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
    });
    await expect(job({ input, output: join(dir, 'out.csv') })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(job({ input: join(dir, 'absent.txt'), output: join(dir, 'out.jsonl') })).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });

  it('refuses an empty input before loading the model', async () => {
    const folder = join(dir, 'empty-first');
    await mkdir(folder);
    const absentModel = join(folder, 'absent.gguf');
    for (const [name, bytes] of [
      ['empty.txt', ''],
      ['bom.txt', '\uFEFF'],
    ]) {
      const input = join(folder, name);
      await writeFile(input, bytes);
      await expect(
        runEmbedJob({ model: absentModel, input, output: join(folder, `${name}.jsonl`) }),
      ).rejects.toMatchObject({
        code: 'NOTHING_EMBEDDED',
        message: `Nothing was embedded: ${input} is empty.`,
      });
    }
    expect((await readdir(folder)).sort()).toEqual(['bom.txt', 'empty.txt']);
  });

  it('reads a JSON Lines input by field, keeping the file’s line numbers', async () => {
    const input = join(dir, 'docs.jsonl');
    await writeFile(input, ['{"id":1,"body":"first doc"}', 'garbage', '{"id":3,"body":"third doc"}'].join('\n'));
    const summary = await job({ input, output: join(dir, 'docs.out.jsonl'), inputOptions: { field: 'body' } });
    expect((await readJsonl(summary.outputs[0])).map((r) => [r.line, r.text])).toEqual([
      [1, 'first doc'],
      [3, 'third doc'],
    ]);
    expect((await readJsonl<SkipRow>(summary.skipLog)).map((s) => [s.line, s.reason])).toEqual([[2, 'invalid-json']]);
  });
});
