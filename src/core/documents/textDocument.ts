import { createReadStream } from 'node:fs';
import type { DocumentPart, DocumentSkip } from './documentPart';
import { Sections } from './sections';

const READ_BYTES = 1 << 20;

/**
 * Why a file cannot be read as UTF-8 text, or null where it can: read once through, a buffer at a time. A NUL byte
 * makes it binary; a UTF-16 byte order mark or bytes that are not UTF-8 make it `invalid-utf8`.
 */
export async function textProblem(path: string): Promise<DocumentSkip | null> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let read = 0;
  for await (const data of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    if (read === 0 && ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)))
      return { skip: 'invalid-utf8', detail: 'UTF-16 encoded, not UTF-8', page: null, read: 0 };
    const nul = data.indexOf(0);
    if (nul !== -1)
      return { skip: 'binary', detail: `a NUL byte at byte ${read + nul + 1}: not a text file`, page: null, read: 0 };
    try {
      decoder.decode(data, { stream: true });
    } catch {
      return {
        skip: 'invalid-utf8',
        detail: `not valid UTF-8 (in bytes ${read + 1}-${read + data.length})`,
        page: null,
        read: 0,
      };
    }
    read += data.length;
  }
  try {
    decoder.decode();
  } catch {
    return { skip: 'invalid-utf8', detail: 'not valid UTF-8 (its last character is cut short)', page: null, read: 0 };
  }
  return null;
}

/** The UTF-8 text of a file, a decoded buffer at a time (a byte order mark dropped), with the bytes read so far. */
export async function* decodedText(path: string): AsyncGenerator<{ text: string; read: number }> {
  const decoder = new TextDecoder('utf-8');
  let read = 0;
  for await (const data of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    read += data.length;
    yield { text: decoder.decode(data, { stream: true }), read };
  }
  yield { text: decoder.decode(), read };
}

/**
 * A `.txt` or `.md` file as it is, in sections (see Sections): checked to be UTF-8 text first, then streamed. Offsets
 * are in the file's text as decoded, line ends kept as they are.
 */
export async function* readTextDocument(path: string): AsyncGenerator<DocumentPart> {
  const problem = await textProblem(path);
  if (problem) {
    yield problem;
    return;
  }
  const sections = new Sections();
  let read = 0;
  for await (const piece of decodedText(path)) {
    read = piece.read;
    yield* sections.add(piece.text, read);
  }
  yield* sections.end(read);
}
