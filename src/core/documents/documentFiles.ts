import { createHash } from 'node:crypto';
import { opendir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { globMatcher } from './glob';

/** How a document is read, by its extension. */
export type DocumentKind = 'text' | 'html' | 'pdf' | 'jsonl' | 'csv';

const KINDS: Record<string, DocumentKind> = {
  '.txt': 'text',
  '.md': 'text',
  '.markdown': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
};

/** What a folder's documents are, where no glob says: every file of a kind that is read. */
export const DEFAULT_GLOB = `**/*.{${Object.keys(KINDS)
  .map((extension) => extension.slice(1))
  .join(',')}}`;

/** The kind of a file by its extension (any case), or null for a file of no kind read. */
export function documentKindOf(path: string): DocumentKind | null {
  return KINDS[extname(path).toLowerCase()] ?? null;
}

/** A file of a folder of documents. */
export interface DocumentFile {
  /** Its path, as the folder's path is given, joined with `source`. */
  path: string;
  /** Its path in the folder, '/' separators. */
  source: string;
  size: number;
  mtimeMs: number;
}

/**
 * The files of `folder` and the folders in it that the glob matches (their paths in the folder, '/' separators), in
 * the order of those paths (by code point). Hidden files and folders (a name starting with '.') and links are passed
 * over. One folder's names are held at a time, whatever the number of files.
 */
export async function* documentFiles(folder: string, glob: string = DEFAULT_GLOB): AsyncGenerator<DocumentFile> {
  const matches = globMatcher(glob);
  yield* walk(folder, '', matches);
}

async function* walk(folder: string, prefix: string, matches: (path: string) => boolean): AsyncGenerator<DocumentFile> {
  const entries: Array<{ name: string; folder: boolean; key: Buffer }> = [];
  for await (const entry of await opendir(join(folder, prefix))) {
    if (entry.name.startsWith('.') || !(entry.isFile() || entry.isDirectory())) continue;
    // A folder's files come after the names that sort before "<name>/": the order of the whole paths.
    const key = Buffer.from(entry.isDirectory() ? `${entry.name}/` : entry.name);
    entries.push({ name: entry.name, folder: entry.isDirectory(), key });
  }
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  for (const entry of entries) {
    const source = `${prefix}${entry.name}`;
    if (entry.folder) {
      yield* walk(folder, `${source}/`, matches);
    } else if (matches(source)) {
      const path = join(folder, source);
      const info = await stat(path).catch(() => null);
      // Removed since the folder was read.
      if (info) yield { path, source, size: info.size, mtimeMs: info.mtimeMs };
    }
  }
}

/** What a folder's documents are at a time: how many, their bytes, and a hash of their paths, sizes and times. */
export interface DocumentListing {
  files: number;
  bytes: number;
  /** The latest modification time of a document, 0 for none. */
  mtimeMs: number;
  /** SHA-256 of each document's path, size and modification time, in order. */
  hash: string;
}

export async function documentListing(folder: string, glob: string = DEFAULT_GLOB): Promise<DocumentListing> {
  const hash = createHash('sha256');
  let files = 0;
  let bytes = 0;
  let mtimeMs = 0;
  for await (const file of documentFiles(folder, glob)) {
    files += 1;
    bytes += file.size;
    mtimeMs = Math.max(mtimeMs, file.mtimeMs);
    hash.update(`${file.source}\0${file.size}\0${file.mtimeMs}\n`);
  }
  return { files, bytes, mtimeMs, hash: hash.digest('hex') };
}
