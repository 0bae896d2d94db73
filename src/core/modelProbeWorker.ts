/**
 * Run in a short-lived child process by modelProbe.ts: loads the model given in argv and embeds one text, then reports
 * `{ok: true}` or the error over IPC. If llama.cpp aborts instead, only this process dies.
 */
import { EmbeddingError, errorMessage } from './errors';
import { EmbeddingModel } from './model';
import type { ProbeReport } from './modelProbe';

async function probe(path: string): Promise<ProbeReport> {
  try {
    const model = await EmbeddingModel.load(path, { gpu: 'cpu', threads: 1, contextSize: 64 });
    try {
      const prepared = model.prepare('embedding studio checks this model', 1);
      if (prepared.ok) await model.embed(prepared.tokens);
    } finally {
      await model.dispose();
    }
    return { ok: true };
  } catch (error) {
    return error instanceof EmbeddingError
      ? { ok: false, code: error.code, message: error.message, hint: error.hint }
      : { ok: false, code: 'MODEL_LOAD_FAILED', message: errorMessage(error) };
  }
}

const report = await probe(process.argv[2] ?? '');
process.send?.(report, () => process.exit(0));
