import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectInput, PREVIEW_CHARS, PREVIEW_RECORDS, SAMPLE_TEXTS } from '#core/inputInspector';
import { EmbeddingModel } from '#core/model';
import { corpusLines } from '../support/corpus';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 1, contextSize: 32 });
});
afterAll(() => model.dispose());

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const plain = { format: null, field: null };

describe('inspectInput', () => {
  it('describes a text file: size, lines, and its first records as they will be read', async () => {
    const long = 'word '.repeat(200).trim();
    const content = ['first line', '', '  padded  ', long, 'a\u0000b', ...corpusLines(20)].join('\n');
    const path = await file('mixed.txt', content);
    const info = await inspectInput(path, plain, null);

    expect(info).toMatchObject({
      path,
      sizeBytes: Buffer.byteLength(content),
      lines: 25,
      format: 'text',
      tokens: null,
    });
    expect(info.preview).toHaveLength(PREVIEW_RECORDS);
    expect(info.preview.slice(0, 3)).toEqual([
      { line: 1, text: 'first line' },
      { line: 2, reason: 'blank' },
      { line: 3, text: 'padded' },
    ]);
    const shortened = info.preview[3] as { line: number; text: string };
    expect(shortened.text.length).toBe(PREVIEW_CHARS);
    expect(shortened.text.endsWith('…')).toBe(true);
    expect(long.startsWith(shortened.text.slice(0, -1))).toBe(true);
    expect(info.preview[4]).toMatchObject({ line: 5, reason: 'nul-byte' });
  });

  it('reads JSON Lines with the chosen field and shows why lines will be skipped', async () => {
    const path = await file(
      'records.data',
      ['{"body": "hello"}', '{"title": "x"}', 'not json', '{"body": 3}'].join('\n'),
    );
    const info = await inspectInput(path, { format: 'jsonl', field: 'body' }, null);
    expect(info.format).toBe('jsonl');
    expect(info.preview.map((record) => ('reason' in record ? record.reason : record.text))).toEqual([
      'hello',
      'missing-field',
      'invalid-json',
      'field-not-string',
    ]);
    expect((await inspectInput(await file('auto.jsonl', '{"text": "auto"}\n'), plain, null)).preview).toEqual([
      { line: 1, text: 'auto' },
    ]);
  });

  it("measures token lengths with the model's tokenizer and counts texts longer than its context", async () => {
    const lines = ['hello world', '', 'the of and '.repeat(30).trim(), 'a b c d', 'the of and '.repeat(12).trim()];
    const info = await inspectInput(await file('tokens.txt', lines.join('\n')), plain, model);
    const lengths = [lines[0], lines[2], lines[3], lines[4]]
      .map((text) => model.measure(text ?? '').tokens)
      .sort((a, b) => a - b);
    expect(info.tokens).toEqual({
      sampled: 4,
      min: lengths[0],
      median: lengths[2],
      p95: lengths[3],
      max: lengths[3],
      overContext: 2,
    });
    expect(info.tokens?.max).toBeGreaterThan(32);
    expect(info.tokens?.min).toBe(4); // [CLS] hello world [SEP]
  });

  it('samples a bounded number of texts from a large file', async () => {
    const info = await inspectInput(
      await file('large.txt', corpusLines(SAMPLE_TEXTS + 1500, 2, 1, 6).join('\n')),
      plain,
      model,
    );
    expect(info.lines).toBe(SAMPLE_TEXTS + 1500);
    expect(info.tokens?.sampled).toBe(SAMPLE_TEXTS);
    expect(info.preview).toHaveLength(PREVIEW_RECORDS);
  });

  it('reports a missing file', async () => {
    await expect(inspectInput(join(dir, 'nope.txt'), plain, null)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
