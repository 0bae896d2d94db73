import { stat } from 'node:fs/promises';
import { advice, cancelledError, EmbeddingError, errorMessage } from '../errors';
import type { InputRecord, PlacedRecord, RecordSource } from '../input';
import { codePoints, isSkipPart, type DocumentPart, type DocumentReaderFn } from './documentPart';
import { DEFAULT_GLOB, documentFiles, documentKindOf, documentListing, type DocumentKind } from './documentFiles';
import { readHtmlDocument } from './htmlDocument';
import { readPdfDocument } from './pdfDocument';
import { readCsvDocument, readJsonlDocument } from './recordDocument';
import { readTextDocument } from './textDocument';

export interface DocumentOptions {
  /** Which files of the folder are read (default: every file of a kind that is read). */
  glob?: string;
  /** The field of a JSON Lines document, the column of a CSV one, that holds each text (default `text`). */
  field?: string;
}

const READERS: Record<DocumentKind, DocumentReaderFn> = {
  text: readTextDocument,
  html: readHtmlDocument,
  pdf: readPdfDocument,
  jsonl: readJsonlDocument,
  csv: readCsvDocument,
};

/** Whether `path` is a folder (an input of documents) rather than a file. */
export async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * The texts of a folder's documents as records, in the order of the documents' paths: each document's texts (its
 * sections, pages or records) in order, `line` the document's number in that order (1-based), `place` where each text
 * is from. A document, page or record that cannot be read is a skip record saying why, never an error. `mark`: the
 * texts read so far, skip records included; progress is told in the documents' bytes.
 */
export class DocumentReader implements RecordSource {
  private readonly texts: AsyncGenerator<PlacedRecord>;
  private passed = 0;
  private marked = 0;

  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly options: DocumentOptions,
    private readonly signal?: AbortSignal,
  ) {
    this.texts = this.read();
  }

  /** `bytes`: what the documents weigh, where the caller listed them already (a run's identity has it). */
  static async open(
    folder: string,
    options: DocumentOptions = {},
    signal?: AbortSignal,
    bytes?: number,
  ): Promise<DocumentReader> {
    const size = bytes ?? (await documentListing(folder, options.glob ?? DEFAULT_GLOB)).bytes;
    return new DocumentReader(folder, size, options, signal);
  }

  get start(): number {
    return this.passed;
  }

  async skip(mark: number): Promise<number> {
    while (this.marked < mark) {
      const next = await this.texts.next();
      if (next.done) break;
      this.passed = next.value.end;
    }
    return this.marked;
  }

  records(): AsyncGenerator<PlacedRecord> {
    return this.texts;
  }

  async close(): Promise<void> {
    await this.texts.return(undefined);
  }

  private async *read(): AsyncGenerator<PlacedRecord> {
    const field = this.options.field ?? 'text';
    let line = 0;
    let before = 0;
    let end = 0;
    for await (const file of documentFiles(this.path, this.options.glob ?? DEFAULT_GLOB)) {
      // Never a silent end: the run would take the documents read so far for all of them.
      if (this.signal?.aborted) throw cancelledError();
      line += 1;
      const kind = documentKindOf(file.source);
      const place = (page: number | null): { source: string; page: number | null } => ({ source: file.source, page });
      const placed = (record: InputRecord, read: number): PlacedRecord => {
        end = Math.max(end, before + Math.min(read, file.size));
        this.marked += 1;
        return { record, end, mark: this.marked };
      };
      let gave = false;
      const parts: AsyncGenerator<DocumentPart> | null = kind ? READERS[kind](file.path, field) : null;
      if (!parts) {
        yield placed({ line, reason: 'unsupported', detail: 'not a kind of document that is read', ...place(null) }, 0);
        gave = true;
      } else {
        try {
          for await (const part of parts) {
            if (isSkipPart(part)) {
              yield placed({ line, reason: part.skip, detail: part.detail, ...place(part.page) }, part.read);
              gave = true;
              continue;
            }
            const text = part.text.trim();
            if (!text) continue;
            const lead = codePoints(part.text.slice(0, part.text.length - part.text.trimStart().length));
            yield placed({ line, text, place: { ...place(part.page), offset: part.offset + lead } }, part.read);
            gave = true;
          }
        } catch (error) {
          const why = `it cannot be read: ${errorMessage(error)}`;
          yield placed({ line, reason: 'unreadable', detail: why, ...place(null) }, file.size);
          gave = true;
        }
      }
      if (!gave) yield placed({ line, reason: 'blank', detail: 'it has no text', ...place(null) }, file.size);
      before += file.size;
    }
  }
}

/** Refuses a folder with no document to read before anything expensive starts. */
export async function checkDocumentFolder(folder: string, options: DocumentOptions = {}): Promise<void> {
  const listing = await documentListing(folder, options.glob ?? DEFAULT_GLOB).catch((error: unknown) => {
    throw new EmbeddingError(
      'FILE_UNREADABLE',
      `The input folder ${folder} cannot be read: ${errorMessage(error)}`,
      { kind: 'checkPath', role: 'input' },
      { cause: error },
    );
  });
  if (!listing.files) {
    throw new EmbeddingError(
      'NOTHING_EMBEDDED',
      `Nothing was embedded: ${folder} holds no document${options.glob ? ` that ${options.glob} matches` : ''}.`,
      advice('Choose a folder with .txt, .md, .html, .pdf, .jsonl or .csv files, or a glob that matches some.'),
    );
  }
}
