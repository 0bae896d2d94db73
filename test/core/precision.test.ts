import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError, EmbeddingError } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import { float16Bits, float16Value, packSigns, VectorCodec } from '#core/output/precision';
import { readRunRecord } from '#core/runRecord';
import { ComparableVectors } from '#core/search/comparable';
import { cosine, normOf, searchOutput } from '#core/search/exactSearch';
import type { OutputFormat, Precision } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

describe('float16', () => {
  it('rounds to the nearest half, ties to even, subnormals and overflow included', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00],
      [0.1, 0x2e66],
      [-0, 0x8000],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      // Halfway between 65504 and 65536: the even one is infinity.
      [65520, 0x7c00],
      // Halfway between 1 and the next half, 1 + 2^-10: 1 is even.
      [1 + 2 ** -11, 0x3c00],
      // Halfway between 1 + 2^-10 and 1 + 2^-9: the latter is even.
      [1 + 3 * 2 ** -11, 0x3c02],
      // Subnormals step by 2^-24: half a step goes to 0, a step and a half to 2 steps.
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [3 * 2 ** -25, 0x0002],
      // The largest subnormal and a half rounds up into the smallest normal.
      [1023.5 * 2 ** -24, 0x0400],
      [1e-8, 0x0000],
    ];
    expect(cases.map(([value]) => float16Bits(value))).toEqual(cases.map(([, bits]) => bits));
  });

  it('gives back the value of every finite half', () => {
    for (let bits = 0; bits < 0x7c00; bits += 1) {
      expect(float16Bits(float16Value(bits))).toBe(bits);
      expect(float16Bits(-float16Value(bits))).toBe(bits | 0x8000);
    }
    expect(float16Value(0x0001)).toBe(2 ** -24);
    expect(float16Value(0x3555)).toBeCloseTo(1 / 3, 3);
  });
});

describe('binary', () => {
  it('packs the signs 8 to a byte, first dimension in the highest bit, as numpy.packbits does', () => {
    const vector = Float32Array.of(0.5, -1, 0, 2, 3, -0.1, 0.2, -5, 1, 0, 0, 0, 0, 0, 0, 1e-9);
    // 1001 1010 = 154 and 1000 0001 = 129 (numpy.packbits(vector > 0)); binary stores each byte - 128.
    expect(Array.from(packSigns(vector, false))).toEqual([154, 129]);
    expect(Array.from(packSigns(vector, true))).toEqual([26, 1]);
  });
});

describe('int8 and uint8', () => {
  // numpy: ((x - starts) / steps - 128).astype(np.int8) and ((x - starts) / steps).astype(np.uint8), in float32.
  const ranges = { rows: 2, min: [-1, -0.5, -1, -1, 0], max: [1, 0.5, 1, 1, 1] };
  const rows = [Float32Array.of(0, 0.25, -1, 1, 0.3), Float32Array.of(0.5, -0.2, 0.999, -0.5, 0.99)];

  it('scale each dimension by its range as sentence-transformers does', () => {
    const int8 = new VectorCodec('int8', 5, ranges);
    const uint8 = new VectorCodec('uint8', 5, ranges);
    expect(rows.map((row) => Array.from(int8.encode(row)))).toEqual([
      [0, 63, -128, 126, -51],
      [63, -51, 126, -64, 124],
    ]);
    expect(rows.map((row) => Array.from(uint8.encode(row)))).toEqual([
      [127, 191, 0, 254, 76],
      [191, 76, 254, 63, 252],
    ]);
  });

  it('stand, for search, for the middle of the values that give them', () => {
    const ranges = { rows: 1, min: [0, 0, 0], max: [255, 255, 255] };
    const int8 = new VectorCodec('int8', 3, ranges);
    // trunc(b - 128): -1 comes from 126 < b <= 127, 0 from 127 < b < 129, 1 from 129 <= b < 130.
    expect(Array.from(int8.decodeScaled(Int8Array.of(-1, 0, 1), new Float32Array(3)))).toEqual([126.5, 128, 129.5]);
    const uint8 = new VectorCodec('uint8', 3, ranges);
    expect(Array.from(uint8.decodeScaled(Uint8Array.of(0, 3, 255), new Float32Array(3)))).toEqual([0.5, 3.5, 255.5]);
  });

  it('clip values outside the calibrated range to the type, and give a constant dimension a step of 1', () => {
    const codec = new VectorCodec('int8', 2, { rows: 1, min: [0, 0.5], max: [1, 0.5] });
    expect(Array.from(codec.encode(Float32Array.of(2, 0.5)))).toEqual([127, -128]);
    expect(Array.from(codec.encode(Float32Array.of(-1, 1.5)))).toEqual([-128, -127]);
  });
});

describe('search of binary rows', () => {
  it('ranks rows by the query against their signs, not by hamming distance alone', () => {
    const query = Float32Array.of(0.9, 0.1, -0.1, 0.3, 0.3, -0.3, 0.3, -0.3);
    // The query's signs are 1101 1010 = 218. One row differs from them in its first bit, where the query is large; the
    // other in the next two, where it is small: nearer by bits, the first is farther by the query's values.
    const rows = [Uint8Array.of(218 ^ 0x80), Uint8Array.of(218 ^ 0x60)];
    const comparable = new ComparableVectors('rows', { type: 'ubinary', calibration: null }, 8);
    const compared = comparable.query(query);
    const scores = rows.map((row) => {
      const signs = new Float32Array(8);
      comparable.decode(row, 0, signs, 0);
      return cosine(compared, normOf(compared), signs, 0);
    });
    const norm = Math.sqrt(query.reduce((sum, value) => sum + value * value, 0)) * Math.sqrt(8);
    expect(scores[0]).toBeCloseTo(0.8 / norm, 6);
    expect(scores[1]).toBeCloseTo(2.2 / norm, 6);
    // Two rows compare as their signs: 1 - 2 x (bits that differ) / 8.
    const [a, b] = rows.map((row) => {
      const signs = new Float32Array(8);
      comparable.decode(row, 0, signs, 0);
      return signs;
    });
    expect(cosine(a ?? new Float32Array(8), normOf(a ?? new Float32Array(8)), b ?? new Float32Array(8), 0)).toBeCloseTo(
      1 - (2 * 3) / 8,
      6,
    );
  });
});

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());
afterEach(() => model.setTextOptions({ dimensions: null }));

/** More lines than the calibration takes, so rows after it are scaled by the first 1,000's ranges. */
const LINES = corpusLines(1_100, 31, 1, 12);
const ROWS = LINES.length;

let runs = 0;
async function setUp(name: string, format: OutputFormat, lines = LINES): Promise<{ input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, lines.join('\n'));
  return { input, output: join(folder, `out.${format}`) };
}

function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options, batch: { batchSize: 16, progressIntervalMs: 0, ...options.batch } });
}

/** The float32 rows of a run without precision, the reference every precision is made from. */
let float32Rows: Float32Array[];
beforeAll(async () => {
  const files = await setUp('float32', 'npy');
  await job(files);
  const { shape, data } = await readNpy(files.output);
  const width = shape[1] ?? 0;
  expect(data).toBeInstanceOf(Float32Array);
  float32Rows = Array.from({ length: ROWS }, (_, i) => (data as Float32Array).slice(i * width, (i + 1) * width));
});

/** Each row's stored numbers as a reader library gives them back (float16 as its bits). */
async function readStored(format: OutputFormat, path: string, precision: Precision): Promise<number[][]> {
  if (format === 'npy') {
    const { shape, data } = await readNpy(path);
    const width = shape[1] ?? 0;
    expect(shape).toEqual([ROWS, width]);
    return Array.from({ length: ROWS }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
  }
  const values =
    format === 'jsonl'
      ? (await readJsonl<{ embedding: number[] }>(path)).map((row) => row.embedding)
      : (await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['embedding'] })).map((row) =>
          Array.from(row.embedding as ArrayLike<number>),
        );
  return precision === 'float16' ? values.map((row) => row.map(float16Bits)) : values;
}

const NPY_DTYPES: Record<Exclude<Precision, 'float32'>, [string, number]> = {
  float16: ['<f2', TINY.embeddingLength],
  int8: ['|i1', TINY.embeddingLength],
  uint8: ['|u1', TINY.embeddingLength],
  binary: ['|i1', TINY.embeddingLength / 8],
  ubinary: ['|u1', TINY.embeddingLength / 8],
};

describe.each(['npy', 'parquet', 'jsonl'] as const)('%s output', (format) => {
  it.for(['float16', 'int8', 'uint8', 'binary', 'ubinary'] as const)(
    'stores %s rows as sentence-transformers makes them from the float32 ones',
    async (precision) => {
      const files = await setUp(`${format}-${precision}`, format);
      const summary = await job({ ...files, precision });
      expect(summary.precision).toBe(precision);
      const record = await readRunRecord(files.output);
      expect(record.precision.type).toBe(precision);
      const calibration = record.precision.calibration;
      if (precision === 'int8' || precision === 'uint8') {
        // The ranges of the first 1,000 rows, recorded so that queries can be scaled the same way.
        const first = float32Rows.slice(0, 1000);
        expect(calibration).toEqual({
          rows: 1000,
          min: Array.from({ length: TINY.embeddingLength }, (_, d) => Math.min(...first.map((row) => row[d] ?? 0))),
          max: Array.from({ length: TINY.embeddingLength }, (_, d) => Math.max(...first.map((row) => row[d] ?? 0))),
        });
      } else expect(calibration).toBeNull();
      const codec = new VectorCodec(precision, TINY.embeddingLength, calibration);
      const expected = float32Rows.map((row) => Array.from(codec.encode(row)));
      expect(await readStored(format, files.output, precision)).toEqual(expected);
      if (format === 'npy') expect((await readNpy(files.output)).descr).toBe(NPY_DTYPES[precision][0]);
      if (format === 'npy') expect((await readNpy(files.output)).shape).toEqual([ROWS, NPY_DTYPES[precision][1]]);
    },
  );
});

describe('the Parquet embedding list', () => {
  it.for([
    ['float16', { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 2, logical_type: { type: 'FLOAT16' } }],
    ['int8', { type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: true } }],
    ['ubinary', { type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: false } }],
  ] as const)('is of the type of %s in the file schema', async ([precision, element]) => {
    const files = await setUp(`schema-${precision}`, 'parquet', LINES.slice(0, 40));
    await job({ ...files, precision });
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(files.output));
    expect(metadata.schema.at(-1)).toMatchObject({ name: 'element', ...element });
  });
});

describe('calibration', () => {
  it('takes every row of a run shorter than 1,000 rows', async () => {
    const files = await setUp('short', 'npy', LINES.slice(0, 100));
    await job({ ...files, precision: 'uint8' });
    const { calibration } = (await readRunRecord(files.output)).precision;
    expect(calibration?.rows).toBe(100);
    const { data } = await readNpy(files.output);
    // Each dimension's least value is 0 and its greatest 255 when the ranges are those of the rows themselves.
    const width = TINY.embeddingLength;
    const column = (d: number): number[] => Array.from({ length: 100 }, (_, i) => data[i * width + d] ?? -1);
    expect(Math.min(...column(0))).toBe(0);
    expect(Math.max(...column(0))).toBe(255);
  });
});

describe('resuming', () => {
  async function stopPartWay(files: { input: string; output: string }, precision: Precision): Promise<void> {
    const abort = new AbortController();
    const error = await job({
      ...files,
      precision,
      keepOnCancel: true,
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.linesDone >= 1040) abort.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbedJobError);
    expect((error as EmbedJobError).resumeAfterLine).toBeGreaterThanOrEqual(1000);
  }

  it('scales the rows after the checkpoint by the ranges the run calibrated: the bytes of a run that went through', async () => {
    const clean = await setUp('clean-int8', 'npy');
    await job({ ...clean, precision: 'int8' });
    const resumed = await setUp('resumed-int8', 'npy');
    await stopPartWay(resumed, 'int8');
    const checkpoint = await readFile(`${resumed.output}.checkpoint`, 'utf8');
    expect(checkpoint).toContain('"calibration"');
    await job({ ...resumed, precision: 'int8', resume: true });
    expect(await readFile(resumed.output)).toEqual(await readFile(clean.output));
    const record = await readRunRecord(resumed.output);
    expect(record.precision).toEqual((await readRunRecord(clean.output)).precision);
  });

  it('refuses a checkpoint of int8 rows whose ranges are gone', async () => {
    const files = await setUp('no-ranges', 'npy');
    await stopPartWay(files, 'int8');
    const path = `${files.output}.checkpoint`;
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(/,"calibration":\{[^}]*\}/, ''));
    const error = await job({ ...files, precision: 'int8', resume: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CHECKPOINT_INVALID' });
    expect((error as Error).message).toMatch(/is a durable point of int8 rows without ranges/);
  });

  it('refuses to continue a run with another precision', async () => {
    const files = await setUp('other-precision', 'npy');
    await stopPartWay(files, 'int8');
    const error = await job({ ...files, precision: 'float32', resume: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect(error).toMatchObject({ code: 'RESUME_REFUSED' });
    expect((error as Error).message).toContain('it stored int8 vectors, not float32');
  });
});

describe('binary with a dimension that is not a multiple of 8', () => {
  it('is refused before any file is written, with fewer dimensions as the remedy', async () => {
    const files = await setUp('binary-12', 'npy', LINES.slice(0, 10));
    model.setTextOptions({ dimensions: 12 });
    const error = await job({ ...files, precision: 'binary' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'dimensions', example: '8' },
    });
    expect((error as Error).message).toBe(
      'Precision binary packs 8 dimensions to a byte: 12 dimensions are not a multiple of 8.',
    );
  });
});

describe('search', () => {
  it.for([
    ['int8', 'npy'],
    ['binary', 'parquet'],
    ['ubinary', 'jsonl'],
    ['float16', 'npy'],
  ] as const)('finds the line equal to the query first in %s %s output', async ([precision, format]) => {
    const files = await setUp(`search-${precision}`, format);
    await job({ ...files, precision });
    const wanted = 777;
    const hits = await searchOutput({ output: files.output, query: LINES[wanted - 1] ?? '', top: 5, threads: 2 });
    expect(hits[0]).toMatchObject({ line: wanted, text: LINES[wanted - 1] });
    // Binary rows are rescored by the query's values against their signs, which for the same signs is below 1.
    if (precision === 'binary' || precision === 'ubinary') expect(hits[0]?.score).toBeLessThan(1);
    else expect(hits[0]?.score).toBeCloseTo(1, 3);
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
  });
});

describe('a run record made before the option', () => {
  it('reads as float32', async () => {
    const files = await setUp('old-record', 'jsonl', LINES.slice(0, 10));
    await job(files);
    const path = `${files.output}.run.json`;
    const { precision: _precision, ...older } = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify(older));
    expect((await readRunRecord(files.output)).precision).toEqual({ type: 'float32', calibration: null });
  });
});
