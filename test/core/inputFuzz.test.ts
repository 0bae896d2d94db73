import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchProcessor, type Batch } from '#core/batchProcessor';
import { EmbeddingError } from '#core/errors';
import { countLines, isSkipped, MAX_LINE_BYTES, readInput, type InputRecord } from '#core/input';
import { EmbeddingModel } from '#core/model';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let fileNumber = 0;

const REASONS = new Set([
  'blank',
  'invalid-utf8',
  'nul-byte',
  'line-too-large',
  'invalid-json',
  'missing-field',
  'field-not-string',
]);

/** Lines of many kinds: text in several scripts, random bytes, other encodings, NULs, JSON, and now and then a huge one. */
const lineBytes = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'latin1')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'utf16le')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from(''),
      Buffer.from('  \t '),
      Buffer.from('a\u0000b'),
      Buffer.from('\uFEFFword'),
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify({ text: v }))) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const ending = fc.constantFrom('\n', '\r\n', '\r', '\n\n');

const fileContent = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(fc.tuple(lineBytes, ending), { maxLength: 40 }),
    trailing: fc.boolean(),
  })
  .map(({ bom, lines, trailing }) => {
    const parts: Buffer[] = bom ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
    lines.forEach(([bytes, end], i) => {
      parts.push(bytes ?? Buffer.alloc(MAX_LINE_BYTES + 10, 0x61));
      if (i < lines.length - 1 || trailing) parts.push(Buffer.from(end));
    });
    return Buffer.concat(parts);
  });

/** The lines of a file as `sed` counts them (after a UTF-8 byte order mark): split on LF, a final LF ends a line. */
function expectedLineCount(file: Buffer): number {
  const bytes = file[0] === 0xef && file[1] === 0xbb && file[2] === 0xbf ? file.subarray(3) : file;
  if (bytes.length === 0) return 0;
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines += 1;
  return bytes[bytes.length - 1] === 0x0a ? lines : lines + 1;
}

async function readAll(
  bytes: Buffer,
  format: 'text' | 'jsonl',
): Promise<{ records: InputRecord[]; counted: number; path: string }> {
  const path = join(dir, `fuzz-${(fileNumber += 1)}.${format === 'jsonl' ? 'jsonl' : 'txt'}`);
  await writeFile(path, bytes);
  const records: InputRecord[] = [];
  for await (const record of readInput(path, { format })) records.push(record);
  return { records, counted: await countLines(path), path };
}

function checkAccounting(records: InputRecord[], lines: number): void {
  expect(records.map((r) => r.line)).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
  for (const record of records) {
    if (isSkipped(record)) expect(REASONS).toContain(record.reason);
    else {
      expect(record.text.length).toBeGreaterThan(0);
      expect(record.text).toBe(record.text.trim());
      expect(record.text).not.toContain('\u0000');
      expect(record.text).not.toContain('\n');
    }
  }
}

describe('input fuzzing', () => {
  it.each(['text', 'jsonl'] as const)(
    'reads every line of random %s files exactly once, and never throws',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(fileContent, async (bytes) => {
          const { records, counted } = await readAll(bytes, format);
          const lines = expectedLineCount(bytes);
          expect(counted).toBe(lines);
          checkAccounting(records, lines);
        }),
        { numRuns: 150 },
      );
    },
  );

  it('refuses only a UTF-16 byte order mark, as a whole-file error', async () => {
    for (const bom of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      const reading = readAll(Buffer.concat([Buffer.from(bom), Buffer.from('a\nb', 'utf16le')]), 'text');
      await expect(reading).rejects.toBeInstanceOf(EmbeddingError);
      await expect(reading).rejects.toMatchObject({ code: 'INPUT_NOT_UTF8' });
    }
  });

  describe('through the engine', () => {
    let model: EmbeddingModel;
    beforeAll(async () => {
      model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
    });
    afterAll(() => model.dispose());

    it('embeds or skips every line of random files, once, in order', async () => {
      await fc.assert(
        fc.asyncProperty(fileContent, fc.integer({ min: 1, max: 16 }), async (bytes, batchSize) => {
          const path = join(dir, `engine-${(fileNumber += 1)}.txt`);
          await writeFile(path, bytes);
          const batches: Batch[] = [];
          const stats = await new BatchProcessor(model, { batchSize }).processFileStreaming(
            path,
            (batch) => void batches.push(batch),
          );
          const lines = [
            ...batches.flatMap((b) => b.results.map((r) => r.line)),
            ...batches.flatMap((b) => b.skipped.map((s) => s.line)),
          ];
          expect(lines.sort((a, b) => a - b)).toEqual(
            Array.from({ length: expectedLineCount(bytes) }, (_, i) => i + 1),
          );
          expect(stats.lines).toBe(expectedLineCount(bytes));
          for (const result of batches.flatMap((b) => b.results))
            expect(result.embedding).toHaveLength(TINY.embeddingLength);
        }),
        { numRuns: 40 },
      );
    });
  });
});
