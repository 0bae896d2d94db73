// The engine build's self-check, run by scripts/engineSelfCheck.mjs in a process of its own (`node --import tsx`), so
// that a binary that dies on this CPU (SIGILL) takes only this process with it. It embeds a few texts with an F16 test
// model and its Q8_0 and Q4_0 versions through the engine the app uses, and fails (exit 1, the reason on stderr) where
// the local build is not the one loaded, the batched engine is not in use, or the quantized vectors stray from the F16
// ones. Argument: the GPU choice of the build (false, cuda, vulkan or metal).
import { BatchProcessor } from '#core/batchProcessor';
import { errorMessage } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import type { GpuChoice } from '#shared/engine';
import { cosine } from '../test/support/files';
import { testModelPath, TINY_F16, TINY_Q4_0, TINY_Q8_0, type BertModelSpec } from '../test/support/testModels';

const TEXTS = ['hello world', 'the quick brown fox reads books about the city', 'water', '東京 タワー', 'naïve café'];
/** Least cosine similarity to the F16 vectors: the engine tests measure 0.9999 for Q8_0 and 0.988 for Q4_0. */
const CHECKS: Array<{ spec: BertModelSpec; least: number }> = [
  { spec: TINY_F16, least: 1 },
  { spec: TINY_Q8_0, least: 0.999 },
  { spec: TINY_Q4_0, least: 0.95 },
];

const gpuArg = process.argv[2] ?? 'false';
const gpu = (gpuArg === 'false' ? 'cpu' : gpuArg) as GpuChoice;

async function embed(spec: BertModelSpec): Promise<Float32Array[]> {
  const model = await EmbeddingModel.load(await testModelPath(spec), { gpu, threads: 2, contextSize: 128 });
  try {
    const { buildType, engine } = model.info;
    if (buildType !== 'localBuild')
      throw new Error(`node-llama-cpp loads its ${buildType} binary, not the local build`);
    if (engine !== 'batched')
      throw new Error(`the batched engine failed its self-test on the ${spec.weightType} model`);
    return (await new BatchProcessor(model, { batchSize: TEXTS.length }).processTexts(TEXTS)).map(
      (result) => result.embedding,
    );
  } finally {
    await model.dispose();
  }
}

try {
  let reference: Float32Array[] = [];
  for (const { spec, least } of CHECKS) {
    const vectors = await embed(spec);
    if (spec === TINY_F16) reference = vectors;
    const similarity = Math.min(...vectors.map((vector, i) => cosine(vector, reference[i] ?? [])));
    if (!(similarity >= least))
      throw new Error(`the ${spec.weightType} vectors are off: cosine ${similarity.toFixed(6)} to the F16 ones`);
    console.log(
      `  ${spec.weightType}: ${vectors.length} texts embedded${spec === TINY_F16 ? '' : `, least cosine to F16 ${similarity.toFixed(6)}`}`,
    );
  }
} catch (error) {
  console.error(errorMessage(error));
  process.exit(1);
}
