import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentFiles, documentListing } from '#core/documents/documentFiles';
import { DocumentReader, type DocumentOptions } from '#core/documents/documentReader';
import { globMatcher } from '#core/documents/glob';
import { csvRecords } from '#core/documents/recordDocument';
import { SECTION_CHARS } from '#core/documents/sections';
import { isSkipped, type InputRecord } from '#core/input';
import { MIXED_FOLDER, pdfFile, writeFolder } from '../support/documents';
import { tempDir } from '../support/files';

const dir = await tempDir();
let folderNumber = 0;

async function folderOf(files: Record<string, string | Buffer>): Promise<string> {
  const folder = join(dir, `folder-${(folderNumber += 1)}`);
  await writeFolder(folder, files);
  return folder;
}

async function records(folder: string, options: DocumentOptions = {}): Promise<InputRecord[]> {
  const reader = await DocumentReader.open(folder, options);
  const all: InputRecord[] = [];
  for await (const { record } of reader.records()) all.push(record);
  return all;
}

describe('globMatcher', () => {
  it('matches * within a folder, ** across folders, ?, sets and braces', () => {
    const md = globMatcher('**/*.md');
    expect(['a.md', 'x/a.md', 'x/y/a.md'].every(md)).toBe(true);
    expect(['a.txt', 'a.md/b.txt', '.md.txt'].some(md)).toBe(false);
    expect(globMatcher('*.md')('x/a.md')).toBe(false);
    expect(globMatcher('docs/**')('docs/a/b.pdf')).toBe(true);
    expect(globMatcher('a?c.{txt,md}')('abc.md')).toBe(true);
    expect(globMatcher('a?c.{txt,md}')('a/c.md')).toBe(false);
    expect(globMatcher('[!b]*.txt')('a.txt')).toBe(true);
    expect(globMatcher('[!b]*.txt')('b.txt')).toBe(false);
    expect(globMatcher('file[0-9].txt')('file7.txt')).toBe(true);
    expect(globMatcher('a+b (1).txt')('a+b (1).txt')).toBe(true);
    expect(() => globMatcher('[abc')).toThrow(/never closed/);
  });
});

describe('documentFiles', () => {
  it('lists the files of every kind read, in the order of their paths, hidden files left out', async () => {
    const folder = await folderOf({
      'b.md': 'b',
      'a.txt': 'a',
      'a/z.txt': 'z',
      'a.b/y.txt': 'y',
      'ä.txt': 'umlaut',
      '.hidden.txt': 'h',
      '.git/config.txt': 'c',
      'x.docx': 'x',
    });
    const sources: string[] = [];
    for await (const file of documentFiles(folder)) sources.push(file.source);
    expect(sources).toEqual(['a.b/y.txt', 'a.txt', 'a/z.txt', 'b.md', 'ä.txt']);
    const listed: string[] = [];
    for await (const file of documentFiles(folder, '**/*.md')) listed.push(file.source);
    expect(listed).toEqual(['b.md']);
  });

  it('tells a changed document by the listing', async () => {
    const folder = await folderOf({ 'a.txt': 'one', 'b.txt': 'two' });
    const before = await documentListing(folder);
    expect(before).toMatchObject({ files: 2, bytes: 6 });
    await writeFile(join(folder, 'b.txt'), 'three');
    expect((await documentListing(folder)).hash).not.toBe(before.hash);
  });
});

describe('DocumentReader', () => {
  it('reads each kind, with sources, pages and the reason for every document it cannot read', async () => {
    const folder = await folderOf(MIXED_FOLDER);
    const all = await records(folder, { glob: '**/*' });
    const seen = all.map((record) =>
      isSkipped(record)
        ? { line: record.line, source: record.source, page: record.page, reason: record.reason }
        : { line: record.line, source: record.place?.source, page: record.place?.page, text: record.text },
    );
    expect(seen).toEqual([
      { line: 1, source: 'blob.txt', page: null, reason: 'binary' },
      { line: 2, source: 'image.png', page: null, reason: 'unsupported' },
      { line: 3, source: 'latin1.txt', page: null, reason: 'invalid-utf8' },
      { line: 4, source: 'notes/a.txt', page: null, text: 'Plain text document.' },
      {
        line: 5,
        source: 'notes/b.md',
        page: null,
        text: '# Title\n\nFirst paragraph of the note.\n\nSecond paragraph.',
      },
      { line: 6, source: 'page.html', page: null, text: 'Heading\n\nVisible & shown.\n\nLast one.' },
      { line: 7, source: 'report.pdf', page: 1, text: 'First page text.\nIts second line.' },
      { line: 7, source: 'report.pdf', page: 2, text: 'Second page text.' },
      { line: 8, source: 'secret.pdf', page: null, reason: 'encrypted' },
    ]);
  });

  it('says why a PDF with no text, an empty page and an empty file give nothing', async () => {
    const folder = await folderOf({
      'a-scan.pdf': pdfFile([[], []]),
      'b-gap.pdf': pdfFile([['One.'], [], ['Three.']]),
      'c-empty.txt': '  \n\n',
      'd-broken.pdf': '%PDF-1.4 nothing else',
    });
    const all = await records(folder);
    expect(all.map((r) => [r.line, isSkipped(r) ? r.reason : r.text, isSkipped(r) ? r.page : r.place?.page])).toEqual([
      [1, 'no-text', null],
      [2, 'One.', 1],
      [2, 'no-text', 2],
      [2, 'Three.', 3],
      [3, 'blank', null],
      [4, 'unreadable', null],
    ]);
  });

  it('reads HTML as its visible text: spaces collapsed but in pre, br a line end, entities decoded', async () => {
    const folder = await folderOf({
      'a.html':
        '<!doctype html><html><head><meta charset="utf-8"><title>T</title></head><body>\n' +
        '<div>  One   <b>bold</b>\n word&nbsp;&lt;x&gt; </div><noscript>no</noscript>' +
        '<p>line<br>next</p><pre>  kept\n    as is</pre><ul><li>a</li><li>b</li></ul></body></html>',
    });
    expect(await records(folder)).toEqual([
      {
        line: 1,
        text: 'One bold word\u00a0<x>\n\nline\nnext\n\n  kept\n    as is\n\na\n\nb',
        place: { source: 'a.html', page: null, offset: 0 },
      },
    ]);
  });

  it('reads the records of JSON Lines and CSV documents by the field or column', async () => {
    const folder = await folderOf({
      'a.jsonl': '{"body":"first"}\n{"other":1}\n',
      'b.csv': 'id,body\r\n1,"quoted, with ""quotes""\r\nand a line end"\r\n2,plain\r\n',
      'c.csv': 'id,text\n1,no body column\n',
    });
    const all = await records(folder, { field: 'body' });
    expect(all.map((r) => [r.line, isSkipped(r) ? r.reason : r.text, isSkipped(r) ? r.page : r.place?.page])).toEqual([
      [1, 'first', 1],
      [1, 'missing-field', 2],
      [2, 'quoted, with "quotes"\r\nand a line end', 1],
      [2, 'plain', 2],
      [3, 'missing-field', null],
    ]);
  });

  it('cuts a long document into sections at paragraph breaks, with offsets into the whole text', async () => {
    const paragraph = `${'word '.repeat(199)}end.`;
    const text = Array.from({ length: 3 * (SECTION_CHARS / paragraph.length) }, () => paragraph).join('\n\n');
    const folder = await folderOf({ 'long.txt': `\u{1f600} ${text}` });
    const all = await records(folder);
    expect(all.length).toBeGreaterThan(2);
    const whole = [...`\u{1f600} ${text}`];
    for (const [i, record] of all.entries()) {
      if (isSkipped(record) || !record.place) throw new Error('a text was expected');
      expect(record.text.length).toBeLessThanOrEqual(SECTION_CHARS);
      // Every section ends where a paragraph does.
      expect(record.text.trimEnd().endsWith('end.'), `section ${i + 1}`).toBe(true);
      const { offset } = record.place;
      expect(whole.slice(offset, offset + [...record.text].length).join('')).toBe(record.text);
    }
  });

  it('stops with an error once cancelled, never a silent end that would pass for the last document', async () => {
    const folder = await folderOf({ 'a.txt': 'one', 'b.txt': 'two' });
    const abort = new AbortController();
    const reader = await DocumentReader.open(folder, {}, abort.signal);
    const texts = reader.records();
    expect((await texts.next()).done).toBe(false);
    abort.abort();
    await expect(texts.next()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('passes over the texts a resumed run has done', async () => {
    const folder = await folderOf(MIXED_FOLDER);
    const reader = await DocumentReader.open(folder);
    expect(await reader.skip(5)).toBe(5);
    const rest: InputRecord[] = [];
    for await (const { record } of reader.records()) rest.push(record);
    expect(rest.map((r) => (isSkipped(r) ? r.reason : r.place?.page))).toEqual([1, 2, 'encrypted']);
    expect(reader.start).toBeGreaterThan(0);
  });
});

describe('csvRecords', () => {
  it('reads RFC 4180 records, a last one without a line end included', async () => {
    const path = join(dir, 'plain.csv');
    await writeFile(path, 'a,"b ""c"""\n\n,\n"x\ny",z');
    const fields: string[][] = [];
    for await (const record of csvRecords(path)) fields.push(record.fields);
    expect(fields).toEqual([
      ['a', 'b "c"'],
      ['', ''],
      ['x\ny', 'z'],
    ]);
  });
});
