// Manual check: npx tsx test/support/testModels.check.ts
// Writes the test models and embeds through the real node-llama-cpp.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, readGgufFileInfo } from 'node-llama-cpp';
import { BGE_SMALL_SHAPE, type BertModelSpec, TINY, testModelPath, writeBertModel } from './testModels';

const SAMPLES = ['hello world', 'The quick brown fox jumps over the lazy dog.', 'naïve café', '東京', 'emoji 🙂 ok'];

const cosine = (a: readonly number[], b: readonly number[]): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};

const llama = await getLlama({ gpu: false, maxThreads: 2, build: 'never' });

async function check(spec: BertModelSpec): Promise<readonly number[]> {
  const modelPath = join(tmpdir(), `check-${spec.name}-${spec.pooling}.gguf`);
  const started = performance.now();
  await writeBertModel(modelPath, spec);
  const writeMs = performance.now() - started;
  const { size } = await stat(modelPath);
  console.log(
    `\n== ${spec.name} (pooling ${spec.pooling}): ${(size / 1e6).toFixed(2)} MB written in ${writeMs.toFixed(0)} ms`,
  );

  const info = await readGgufFileInfo(modelPath, { readTensorInfo: true });
  console.log(
    `readGgufFileInfo: v${info.version}, ${info.tensorCount} tensors, architecture ${info.metadata.general.architecture}`,
  );

  const model = await llama.loadModel({ modelPath });
  for (const text of SAMPLES) {
    const tokens = model.tokenize(text);
    const pieces = tokens.map((t) => model.detokenize([t]));
    console.log(
      `  ${JSON.stringify(text)} -> [${tokens.join(', ')}] ${JSON.stringify(pieces)} -> ${JSON.stringify(model.detokenize(tokens))}`,
    );
  }

  const context = await model.createEmbeddingContext({ contextSize: Math.min(512, spec.contextLength), threads: 1 });
  const embed = async (text: string): Promise<readonly number[]> => (await context.getEmbeddingFor(text)).vector;
  const hello = await embed('hello world');
  const helloAgain = await embed('hello world');
  console.log(`  dims ${hello.length} (expected ${spec.embeddingLength})`);
  console.log(
    `  same text cosine ${cosine(hello, helloAgain).toFixed(6)}, identical ${hello.every((v, i) => v === helloAgain[i])}`,
  );
  for (const text of SAMPLES.slice(1))
    console.log(`  cosine("hello world", ${JSON.stringify(text)}) = ${cosine(hello, await embed(text)).toFixed(4)}`);
  await context.dispose();
  await model.dispose();
  return hello;
}

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const [cached, cachedAgain] = await Promise.all([testModelPath(TINY), testModelPath(TINY)]);
const rewritten = join(tmpdir(), 'check-tiny-again.gguf');
await writeBertModel(rewritten, TINY);
console.log(
  `testModelPath: ${cached} (same path twice: ${cached === cachedAgain}, byte-identical rewrite: ${(await sha256(cached)) === (await sha256(rewritten))})`,
);

const meanHello = await check(TINY);
for (const pooling of ['cls', 'last', 'none'] as const) {
  const hello = await check({ ...TINY, pooling });
  console.log(`  pooling honored: cosine(mean, ${pooling}) for "hello world" = ${cosine(meanHello, hello).toFixed(4)}`);
}
await check(BGE_SMALL_SHAPE);
