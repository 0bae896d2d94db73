/**
 * Run in a short-lived child process by modelProbe.ts (started by node's child_process.fork or Electron's
 * utilityProcess.fork): loads the model given in argv with the GPU and binary choice given, embeds one text, and reports
 * each step before it runs, then `{ok: true}` or the error. If llama.cpp crashes instead, only this process dies, and
 * the last step it reported says where.
 */
import { EmbeddingError, errorMessage } from './errors';
import { EmbeddingModel, type BinaryChoice } from './model';
import type { ProbeMessage, ProbeReport } from './modelProbe';
import { GPU_CHOICES, type GpuChoice } from '#shared/engine';

/** Electron's utility process talks through `process.parentPort`; a node child through `process.send`. */
const parentPort = (process as NodeJS.Process & { parentPort?: { postMessage(message: unknown): void } }).parentPort;

function send(message: ProbeMessage): Promise<void> {
  if (parentPort) {
    parentPort.postMessage(message);
    return Promise.resolve();
  }
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
}

async function probe(path: string, gpu: GpuChoice, binary: BinaryChoice): Promise<ProbeReport> {
  try {
    const model = await EmbeddingModel.load(path, {
      gpu,
      binary,
      threads: 1,
      contextSize: 64,
      onStep: (step) => send({ step }),
    });
    try {
      const prepared = model.prepare('embedding studio checks this model', 1);
      if (prepared.ok) await model.embed(prepared.tokens);
    } finally {
      await model.dispose();
    }
    return { ok: true };
  } catch (error) {
    return error instanceof EmbeddingError
      ? { ok: false, code: error.code, message: error.message, remedy: error.remedy }
      : { ok: false, code: 'MODEL_LOAD_FAILED', message: errorMessage(error) };
  }
}

// The last three: what comes before them differs between a node child and a utility process.
const [path = '', gpuArgument = 'cpu', binaryArgument = 'auto'] = process.argv.slice(-3);
const gpu = GPU_CHOICES.find((choice) => choice === gpuArgument) ?? 'cpu';
const binary: BinaryChoice = binaryArgument === 'prebuilt' ? 'prebuilt' : 'auto';
await send({ report: await probe(path, gpu, binary) });
// The parent ends this process once it has the report; a node child can also end itself, its report delivered.
if (!parentPort) process.exit(0);
