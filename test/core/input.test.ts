import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddingError } from '#core/errors';
import { countLines, MAX_LINE_BYTES, readInput, type InputOptions, type InputRecord } from '#core/input';
import { tempDir } from '../support/files';

const dir = await tempDir();
let fileNumber = 0;

async function read(content: string | Buffer, name = 'input.txt', options: InputOptions = {}): Promise<InputRecord[]> {
  const path = join(dir, `${(fileNumber += 1)}-${name}`);
  await writeFile(path, content);
  const records: InputRecord[] = [];
  for await (const record of readInput(path, options)) records.push(record);
  expect(await countLines(path)).toBe(records.length);
  return records;
}

describe('readInput, plain text', () => {
  it('reads LF and CRLF lines, strips a BOM, keeps a last line without newline', async () => {
    expect(await read('\uFEFFfirst\r\nsecond\nthird')).toEqual([
      { line: 1, text: 'first' },
      { line: 2, text: 'second' },
      { line: 3, text: 'third' },
    ]);
  });

  it('trims texts and reports blank and whitespace-only lines as skipped', async () => {
    expect(await read('  a  \n\n \t \r\nb\n')).toEqual([
      { line: 1, text: 'a' },
      { line: 2, reason: 'blank' },
      { line: 3, reason: 'blank' },
      { line: 4, text: 'b' },
    ]);
  });

  it('passes over the lines a resumed run has done, keeping the file’s line numbers', async () => {
    const path = join(dir, 'resumed.txt');
    await writeFile(
      path,
      Buffer.concat([Buffer.from('one\n'), Buffer.from([0xff, 0x0a]), Buffer.from('\nfour\nfive')]),
    );
    const records: InputRecord[] = [];
    for await (const record of readInput(path, {}, undefined, 3)) records.push(record);
    expect(records).toEqual([
      { line: 4, text: 'four' },
      { line: 5, text: 'five' },
    ]);
  });

  it('keeps a lone CR inside its line', async () => {
    expect(await read('a\rb\nc')).toEqual([
      { line: 1, text: 'a\rb' },
      { line: 2, text: 'c' },
    ]);
  });

  it('reads emoji, CJK and right-to-left text unchanged', async () => {
    const texts = ['emoji 🙂👍🏽 here', '東京タワー', 'مرحبا بالعالم', 'שלום עולם'];
    expect(await read(texts.join('\n'))).toEqual(texts.map((text, i) => ({ line: i + 1, text })));
  });

  it('skips invalid UTF-8 and NUL bytes with the line and column', async () => {
    const content = Buffer.concat([
      Buffer.from('good\nab'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\nx\u0000y\nlast'),
    ]);
    expect(await read(content)).toEqual([
      { line: 1, text: 'good' },
      { line: 2, reason: 'invalid-utf8', detail: 'not valid UTF-8 (first bad byte at column 3)' },
      { line: 3, reason: 'nul-byte', detail: 'NUL byte at column 2' },
      { line: 4, text: 'last' },
    ]);
  });

  it('reports a line over the size limit without holding it, and goes on', async () => {
    const huge = 'x'.repeat(MAX_LINE_BYTES * 3);
    const records = await read(`before\n${huge}\nafter\n${huge}`);
    expect(records).toEqual([
      { line: 1, text: 'before' },
      { line: 2, reason: 'line-too-large', detail: `longer than ${MAX_LINE_BYTES} bytes` },
      { line: 3, text: 'after' },
      { line: 4, reason: 'line-too-large', detail: `longer than ${MAX_LINE_BYTES} bytes` },
    ]);
  });

  it('handles lines split across read chunks', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 50)}`);
    const records = await read(lines.join('\r\n'));
    expect(records).toHaveLength(lines.length);
    expect(records.every((r, i) => 'text' in r && r.text === lines[i]?.trim() && r.line === i + 1)).toBe(true);
  });

  it('counts an empty file as no lines', async () => {
    expect(await read('')).toEqual([]);
  });

  it('refuses a UTF-16 file with a hint to convert it', async () => {
    const path = join(dir, 'utf16.txt');
    await writeFile(path, Buffer.from('\uFEFFhello\n', 'utf16le'));
    const reading = (async () => {
      for await (const record of readInput(path)) void record;
    })();
    await expect(reading).rejects.toThrow(EmbeddingError);
    await expect(reading).rejects.toThrow(/UTF-16/);
  });

  it('names the missing file', async () => {
    const reading = readInput(join(dir, 'nope.txt')).next();
    await expect(reading).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('nope.txt'),
    });
  });
});

describe('readInput, JSON Lines', () => {
  it('takes the text from the named field, nested fields by dotted path', async () => {
    const content = ['{"text":"plain"}', '{"body":{"en":"nested"}}', '{"body.en":"literal key"}'].join('\n');
    expect(await read(content, 'a.jsonl')).toEqual([
      { line: 1, text: 'plain' },
      { line: 2, reason: 'missing-field', detail: 'no field "text"' },
      { line: 3, reason: 'missing-field', detail: 'no field "text"' },
    ]);
    expect(await read(content, 'b.jsonl', { field: 'body.en' })).toEqual([
      { line: 1, reason: 'missing-field', detail: 'no field "body.en"' },
      { line: 2, text: 'nested' },
      { line: 3, text: 'literal key' },
    ]);
  });

  it('reports bad JSON, missing fields and non-string values by line, and keeps line numbers of the file', async () => {
    const content = [
      '{"text":"one"}',
      '',
      '{"text": 5}',
      'not json',
      '{"other":"x"}',
      '{"text":"  "}',
      '[1,2]',
      '{"text":"two"}',
    ].join('\n');
    const records = await read(content, 'c.jsonl');
    expect(records.map((r) => ('text' in r ? r.text : r.reason))).toEqual([
      'one',
      'blank',
      'field-not-string',
      'invalid-json',
      'missing-field',
      'blank',
      'missing-field',
      'two',
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reads .ndjson as JSON Lines and honours an explicit format', async () => {
    expect(await read('{"text":"a"}', 'x.ndjson')).toEqual([{ line: 1, text: 'a' }]);
    expect(await read('{"text":"a"}', 'x.txt')).toEqual([{ line: 1, text: '{"text":"a"}' }]);
    expect(await read('{"text":"a"}', 'y.txt', { format: 'jsonl' })).toEqual([{ line: 1, text: 'a' }]);
  });
});
