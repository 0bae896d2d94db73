import { extname } from 'node:path';
import type { ChunkPreview, DocumentPreview, FolderInputInfo } from '#shared/contract';
import { chunkWindowFor } from '#shared/engine';
import { isSkipped } from '../input';
import type { EmbeddingModel } from '../model';
import { DEFAULT_GLOB, documentFiles, documentKindOf } from './documentFiles';
import { DocumentReader } from './documentReader';
import { globMatcher } from './glob';

/** Chunks of the first document shown ... */
const PREVIEW_CHUNKS = 8;
/** ... each text cut to about this many characters, its start and end kept ... */
const CHUNK_PREVIEW_CHARS = 240;
/** ... from the first document of the first few that gives text (a folder of unreadable files is not read whole). */
const PREVIEW_DOCUMENTS = 20;

export interface FolderInspectOptions {
  /** Null: every file of a kind read. */
  glob: string | null;
  field: string | null;
  /** How the run would cut the chunks: its prefix and chunk sizes (null: the defaults). */
  prefix: string;
  chunkTokens: number | null;
  chunkOverlap: number | null;
}

/**
 * Describes a folder of documents without embedding it: the documents the glob chooses by extension with their bytes,
 * the files of no kind read it chooses, the files it leaves out, and (given a model) the first chunks of the first
 * document that gives text, cut with the model's tokenizer as the run would cut them. One folder's names are held at a
 * time, and one text of one document.
 */
export async function inspectFolder(
  folder: string,
  options: FolderInspectOptions,
  model: EmbeddingModel | null,
): Promise<FolderInputInfo> {
  const glob = options.glob ?? DEFAULT_GLOB;
  const chosen = globMatcher(glob);
  const kinds = new Map<string, { files: number; bytes: number }>();
  const unsupported = { files: 0, bytes: 0 };
  let leftOut = 0;
  for await (const file of documentFiles(folder, '**')) {
    if (!chosen(file.source)) {
      leftOut += 1;
    } else if (documentKindOf(file.source)) {
      const extension = extname(file.source).toLowerCase();
      const kind = kinds.get(extension) ?? { files: 0, bytes: 0 };
      kinds.set(extension, { files: kind.files + 1, bytes: kind.bytes + file.size });
    } else {
      unsupported.files += 1;
      unsupported.bytes += file.size;
    }
  }
  return {
    kind: 'folder',
    path: folder,
    glob,
    kinds: [...kinds]
      .map(([extension, count]) => ({ extension, ...count }))
      .sort((a, b) => b.files - a.files || a.extension.localeCompare(b.extension)),
    unsupported,
    leftOut,
    preview: kinds.size > 0 ? await previewFirstDocument(folder, glob, options, model) : null,
  };
}

async function previewFirstDocument(
  folder: string,
  glob: string,
  options: FolderInspectOptions,
  model: EmbeddingModel | null,
): Promise<DocumentPreview | null> {
  const reader = await DocumentReader.open(folder, { glob, ...(options.field ? { field: options.field } : {}) });
  try {
    for await (const { record } of reader.records()) {
      if (record.line > PREVIEW_DOCUMENTS) return null;
      if (isSkipped(record) || !record.place) continue;
      const { source, page, offset } = record.place;
      return { source, page, chunking: model ? chunking(record.text, offset, options, model) : null };
    }
    return null;
  } finally {
    await reader.close();
  }
}

function chunking(
  text: string,
  offset: number,
  { prefix, chunkTokens, chunkOverlap }: FolderInspectOptions,
  model: EmbeddingModel,
): NonNullable<DocumentPreview['chunking']> {
  const window = chunkWindowFor({ chunkTokens, chunkOverlap, contextSize: model.info.contextSize });
  // One more than shown tells whether there are more.
  const chunked = model.chunk(text, { prefix, chunkTokens, chunkOverlap, limit: PREVIEW_CHUNKS + 1 });
  if (!chunked.ok) return { window, chunks: [], more: false };
  const chunks = chunked.chunks.slice(0, PREVIEW_CHUNKS).map((chunk, index): ChunkPreview => ({
    chunk: index,
    tokens: chunk.tokenCount,
    charStart: offset + chunk.charStart,
    charEnd: offset + chunk.charEnd,
    ...cutMiddle(chunk.text),
  }));
  return { window, chunks, more: chunked.chunks.length > PREVIEW_CHUNKS };
}

/** A long text's start and end around an ellipsis, never cut inside a surrogate pair. */
function cutMiddle(text: string): { text: string; cut: boolean } {
  if (text.length <= CHUNK_PREVIEW_CHARS) return { text, cut: false };
  let head = Math.floor((CHUNK_PREVIEW_CHARS * 2) / 3);
  let tail = text.length - (CHUNK_PREVIEW_CHARS - head - 1);
  if (/[\uD800-\uDBFF]/.test(text.charAt(head - 1))) head -= 1;
  if (/[\uDC00-\uDFFF]/.test(text.charAt(tail))) tail += 1;
  return { text: `${text.slice(0, head)}…${text.slice(tail)}`, cut: true };
}
