import type { SkipReason } from '#shared/engine';

/**
 * What a reader gives of a document, in order: its texts (a whole small document, a section of a large one, a PDF
 * page, a record) or why a document, page or record is not read. `read`: the bytes of the file read so far, for
 * progress.
 */
export type DocumentPart =
  | {
      /** As read: not trimmed. */
      text: string;
      /** A PDF's page, a JSON Lines or CSV file's record (1-based); null for a document of one text. */
      page: number | null;
      /** Where `text` starts in the page's or document's text, in code points. */
      offset: number;
      read: number;
    }
  | { skip: SkipReason; detail: string; page: number | null; read: number };

export type DocumentSkip = Extract<DocumentPart, { skip: SkipReason }>;

/** Reads one document as its parts; `path` is the file, `field` the JSON Lines field or CSV column. */
export type DocumentReaderFn = (path: string, field: string) => AsyncGenerator<DocumentPart>;

export function isSkipPart(part: DocumentPart): part is DocumentSkip {
  return 'skip' in part;
}

/** Code points of a text, as Python counts a str's length. */
export function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}
