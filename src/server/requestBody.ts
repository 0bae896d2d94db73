import type { IncomingMessage } from 'node:http';

/** Largest request body accepted: requests carry settings and paths, never data. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A client still sending after this much is cut off rather than read to the end for a polite 413. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

export type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true };

/**
 * Reads a request body of at most `MAX_BODY_BYTES`. A larger one is read to its end and dropped, so the client,
 * which may still be sending, gets the 413 instead of a reset connection.
 */
export function readBody(request: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_DRAIN_BYTES) request.destroy();
      else if (received <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(
        received > MAX_BODY_BYTES
          ? { ok: false, tooLarge: true }
          : { ok: true, text: Buffer.concat(chunks).toString('utf8') },
      );
    });
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('the client closed the connection before sending the whole request'));
    });
  });
}
