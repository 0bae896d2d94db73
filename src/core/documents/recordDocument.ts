import { isSkipped, MAX_LINE_BYTES, readInput } from '../input';
import type { DocumentPart } from './documentPart';
import { decodedText, textProblem } from './textDocument';

/**
 * A `.jsonl` file's records, read as a JSON Lines input is (a line at a time, the text in `field`): each record is a
 * text of its own, `page` its line; a line that gives none is a skip entry saying why, as in a JSON Lines input.
 */
export async function* readJsonlDocument(path: string, field: string): AsyncGenerator<DocumentPart> {
  for await (const record of readInput(path, { format: 'jsonl', field })) {
    if (isSkipped(record)) {
      yield { skip: record.reason, detail: record.detail ?? record.reason, page: record.line, read: 0 };
    } else {
      yield { text: record.text, page: record.line, offset: 0, read: 0 };
    }
  }
}

/**
 * A `.csv` file's records (RFC 4180: commas, double-quoted fields with "" for a quote, quoted line ends, CRLF or LF):
 * the first record names the columns, and each record after it is a text of its own, its `column` field, `page` its
 * number (1 for the first after the names). Checked to be UTF-8 first, then streamed; a field over MAX_LINE_BYTES
 * characters makes its record `line-too-large`. A file without the column is one `missing-field` entry.
 */
export async function* readCsvDocument(path: string, column: string): AsyncGenerator<DocumentPart> {
  const problem = await textProblem(path);
  if (problem) {
    yield problem;
    return;
  }
  let index: number | null = null;
  let number = 0;
  for await (const { fields, oversized, read } of csvRecords(path)) {
    if (index === null) {
      index = fields.indexOf(column);
      if (index === -1) {
        const names = fields.map((name) => JSON.stringify(name)).join(', ');
        yield { skip: 'missing-field', detail: `no column "${column}" (its columns: ${names})`, page: null, read };
        return;
      }
      continue;
    }
    number += 1;
    const text = fields[index];
    if (oversized) {
      yield { skip: 'line-too-large', detail: `a field longer than ${MAX_LINE_BYTES} characters`, page: number, read };
    } else if (text === undefined) {
      yield { skip: 'missing-field', detail: `${fields.length} field(s), no column "${column}"`, page: number, read };
    } else {
      yield { text, page: number, offset: 0, read };
    }
  }
}

interface CsvRecord {
  fields: string[];
  oversized: boolean;
  read: number;
}

/** The records of a CSV file as they are read: a record at a time is held (its fields cut to MAX_LINE_BYTES). */
export async function* csvRecords(path: string): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** Inside quotes, a quote just seen: the end of the quotes, or the first of "". */
  let quote = false;
  let started = false;
  let oversized = false;
  let lastCr = false;
  const endField = (): void => {
    fields.push(field);
    field = '';
    quoted = false;
  };
  let read = 0;
  for await (const piece of decodedText(path)) {
    const { text } = piece;
    read = piece.read;
    const records: CsvRecord[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const char = text.charAt(i);
      const wasCr = lastCr;
      lastCr = false;
      if (quoted) {
        if (quote) {
          quote = false;
          if (char === '"') {
            field += '"';
            continue;
          }
          quoted = false;
        } else if (char === '"') {
          quote = true;
          continue;
        } else {
          field += char;
          if (field.length > MAX_LINE_BYTES) {
            oversized = true;
            field = '';
          }
          continue;
        }
      }
      if (char === '"' && field === '' && !started) {
        quoted = true;
        started = true;
      } else if (char === ',') {
        endField();
        started = false;
      } else if (char === '\n' || char === '\r') {
        if (char === '\n' && wasCr) continue;
        lastCr = char === '\r';
        endField();
        started = false;
        // A blank line is no record.
        if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, oversized, read });
        fields = [];
        oversized = false;
      } else {
        field += char;
        started = true;
        if (field.length > MAX_LINE_BYTES) {
          oversized = true;
          field = '';
        }
      }
    }
    yield* records;
  }
  if (started || fields.length) {
    endField();
    yield { fields, oversized, read };
  }
}
