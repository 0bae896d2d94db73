import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { GgufFileType, readGgufFileInfo } from 'node-llama-cpp';
import { errorMessage } from '../errors';
import type { GgufPooling, LocalModel } from '#shared/modelLibrary';

const POOLINGS: Record<number, GgufPooling | undefined> = {
  [-1]: 'unspecified',
  0: 'none',
  1: 'mean',
  2: 'cls',
  3: 'last',
  4: 'rank',
};
const EMBEDDING_POOLINGS: ReadonlySet<GgufPooling> = new Set(['mean', 'cls', 'last']);

/** The vocabulary arrays are most of a header and say nothing a listing shows. */
const SKIPPED_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.merges',
];

/** Whether the file starts with the GGUF magic. */
export async function hasGgufMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === 'GGUF';
  } finally {
    await handle.close();
  }
}

/** Descriptions by path, reused while the file's size and modification time stay the same. */
const described = new Map<string, { version: string; model: LocalModel }>();

/**
 * A model file's facts from its GGUF header alone: the weights are neither read nor loaded, and a file described
 * before and unchanged since is not read again, so listing a folder of large models is quick. A file that is not a
 * readable GGUF is described with its `problem` instead of failing.
 */
export async function describeModelFile(path: string): Promise<LocalModel> {
  const { size, mtimeMs } = await stat(path);
  const version = `${size}:${mtimeMs}`;
  const known = described.get(path);
  if (known?.version === version) return known.model;
  const model = await readModelFile(path, size);
  described.set(path, { version, model });
  return model;
}

async function readModelFile(path: string, sizeBytes: number): Promise<LocalModel> {
  const fileName = basename(path);
  const unknown: LocalModel = {
    path,
    fileName,
    sizeBytes,
    name: fileName.replace(/\.gguf$/i, ''),
    architecture: null,
    dimensions: null,
    contextLength: null,
    pooling: null,
    quantization: null,
    embedding: false,
    problem: null,
  };
  if (!(await hasGgufMagic(path).catch(() => false))) return { ...unknown, problem: 'not a GGUF file' };
  try {
    const { metadata } = await readGgufFileInfo(path, {
      readTensorInfo: false,
      ignoreKeys: SKIPPED_KEYS,
      logWarnings: false,
    });
    if (metadata.general?.architecture === undefined)
      return { ...unknown, problem: 'its GGUF header names no architecture (is the file cut short?)' };
    const architecture = String(metadata.general.architecture);
    const section = architectureSection(metadata, architecture);
    const pooling = POOLINGS[section.pooling_type ?? -1] ?? 'unspecified';
    const fileType = metadata.general?.file_type;
    return {
      ...unknown,
      name: metadata.general?.name ?? unknown.name,
      architecture,
      dimensions: section.embedding_length ?? null,
      contextLength: section.context_length ?? null,
      pooling,
      quantization: fileType === undefined ? null : (GgufFileType[fileType]?.replace(/^(MOSTLY|ALL)_/, '') ?? null),
      embedding: EMBEDDING_POOLINGS.has(pooling),
    };
  } catch (error) {
    return { ...unknown, problem: `unreadable GGUF header: ${errorMessage(error)}` };
  }
}

interface ArchitectureFacts {
  embedding_length?: number;
  context_length?: number;
  pooling_type?: number;
}

/** The `<architecture>.*` keys, which node-llama-cpp types per known architecture only. */
function architectureSection(metadata: object, architecture: string): ArchitectureFacts {
  const section: unknown = (metadata as Record<string, unknown>)[architecture];
  if (typeof section !== 'object' || section === null) return {};
  const { embedding_length, context_length, pooling_type } = section as Record<string, unknown>;
  const number = (value: unknown): number | undefined =>
    typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
  return {
    embedding_length: number(embedding_length),
    context_length: number(context_length),
    pooling_type: number(pooling_type),
  };
}
