import { codePoints, type DocumentPart } from './documentPart';

/**
 * Characters of a section of a long document: a document is read and embedded a section at a time, so that neither
 * its text nor its chunks are held whole. Sections end at a paragraph break where there is one (chunks never cross a
 * section's end, as they would not cross a paragraph's where it fits in one chunk).
 */
export const SECTION_CHARS = 1 << 16;

/**
 * Cuts a document's text, given piece by piece as it is read, into sections of at most SECTION_CHARS characters:
 * each ends at its last paragraph break (a blank line), else its last line end, else its last space, else at the
 * limit (never inside a surrogate pair). Offsets are in code points from the start of the text.
 */
export class Sections {
  private buffer = '';
  private offset = 0;

  /** The sections complete once `text` is added; `read`: the bytes read so far. */
  *add(text: string, read: number): Generator<DocumentPart> {
    this.buffer += text;
    while (this.buffer.length > SECTION_CHARS) yield this.take(cutAt(this.buffer), read);
  }

  /** The rest, once the whole text is read. */
  *end(read: number): Generator<DocumentPart> {
    if (this.buffer) yield this.take(this.buffer.length, read);
  }

  private take(cut: number, read: number): DocumentPart {
    const text = this.buffer.slice(0, cut);
    this.buffer = this.buffer.slice(cut);
    const part = { text, page: null, offset: this.offset, read };
    this.offset += codePoints(text);
    return part;
  }
}

function cutAt(buffer: string): number {
  const head = buffer.slice(0, SECTION_CHARS);
  let paragraph = -1;
  for (const match of head.matchAll(/\n[^\S\n]*\n/gu)) paragraph = match.index + match[0].length;
  if (paragraph > 0) return paragraph;
  for (const mark of ['\n', ' ']) {
    const at = head.lastIndexOf(mark);
    if (at > 0) return at + 1;
  }
  const code = head.charCodeAt(SECTION_CHARS - 1);
  return code >= 0xd800 && code <= 0xdbff ? SECTION_CHARS - 1 : SECTION_CHARS;
}
