import { GgmlType, GgufInsights, readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { advice, EmbeddingError, errorMessage } from './errors';
import { hasGgufMagic } from './library/modelFileInfo';

/**
 * Reads a model file's GGUF header and tensor table without loading any weights, and refuses what would fail or
 * abort inside llama.cpp: a file that is not GGUF, a truncated one, an architecture llama.cpp does not know, and
 * tensor types it cannot compute with. Some of these abort the whole process when loaded, so they are caught here.
 */
export async function checkGgufFile(path: string, fileSize: number): Promise<GgufFileInfo> {
  await checkMagic(path, fileSize);
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: true });
  } catch (error) {
    throw damaged(path, `its header cannot be read (${errorMessage(error)})`, error);
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  if (tensors.length === 0) throw damaged(path, 'it holds no tensors');

  const insights = await GgufInsights.from(info);
  const architecture = String(info.metadata.general?.architecture ?? 'unknown');
  if (!insights.isSupportedByLlamaCpp) {
    throw new EmbeddingError(
      'MODEL_UNSUPPORTED',
      `This model file is unsupported: llama.cpp does not know its architecture "${architecture}" (${path}).`,
      advice(
        'Pick a model of a supported architecture (bert, nomic-bert, jina-bert-v2, qwen3 ...), or update Embedding Studio.',
      ),
    );
  }
  for (const tensor of tensors) {
    if (!(tensor.ggmlType in GgmlType)) {
      throw unsupported(path, `tensor ${tensor.name} has an unknown type (${tensor.ggmlType})`);
    }
    // llama.cpp computes norms in F32 only: another type aborts the process at the first embedding.
    if (/norm\.(weight|bias)$/.test(tensor.name) && tensor.ggmlType !== GgmlType.F32) {
      throw unsupported(
        path,
        `tensor ${tensor.name} is stored as ${GgmlType[tensor.ggmlType]} where llama.cpp needs F32`,
      );
    }
  }

  const dataStart = Math.min(...tensors.map((t) => Number(t.fileOffset) - Number(t.offset)));
  const needed = dataStart + insights.modelSize;
  if (needed > fileSize || tensors.some((t) => Number(t.fileOffset) >= fileSize)) {
    throw damaged(path, `it is truncated: its tensors need ${needed} bytes but the file has ${fileSize}`);
  }
  return info;
}

async function checkMagic(path: string, fileSize: number): Promise<void> {
  if (await hasGgufMagic(path)) return;
  throw new EmbeddingError(
    'NOT_GGUF',
    `${path} is not a GGUF model file${fileSize === 0 ? ' (it is empty)' : ''}.`,
    advice('Pick a .gguf embedding model, for example bge-small-en-v1.5 in GGUF form.'),
  );
}

function damaged(path: string, why: string, cause?: unknown): EmbeddingError {
  return new EmbeddingError(
    'MODEL_DAMAGED',
    `This model file is damaged: ${why} (${path}).`,
    advice('Download the model again; an interrupted download leaves a file like this.'),
    { cause },
  );
}

function unsupported(path: string, why: string): EmbeddingError {
  return new EmbeddingError(
    'MODEL_UNSUPPORTED',
    `This model file is unsupported: ${why} (${path}).`,
    advice('Convert the model again with a current llama.cpp, or pick another file of the model.'),
  );
}
