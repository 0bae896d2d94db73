import { join } from 'node:path';
import { getLlama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedPool, planDecodes } from '#core/batchedPool';
import { BatchProcessor } from '#core/batchProcessor';
import { ContextPool } from '#core/contextPool';
import type { NativeBatch } from '#core/nativeBatch';
import { EmbeddingModel } from '#core/model';
import type { EmbeddingResult } from '#core/results';
import { corpusLines } from '../support/corpus';
import { writeDecoderModel } from '../support/decoderModel';
import { cosine, tempDir } from '../support/files';
import {
  testModelPath,
  TINY,
  TINY_F16,
  TINY_Q4_0,
  TINY_Q8_0,
  WIDE_VOCAB,
  type BertModelSpec,
} from '../support/testModels';

// CI builds the engine (npm run build:engine) and sets this, so that a missing fast path fails there instead of skipping.
const REQUIRED = process.env.EMBEDDING_STUDIO_REQUIRE_FAST_PATH === '1';

const dir = await tempDir();
const probe = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2 });
const available = probe.info.engine === 'batched';
const unavailable = `the batched engine is not in use (node-llama-cpp's ${probe.info.buildType} binary failed its self-test): run npm run build:engine`;
await probe.dispose();

const WORDS = ['the', 'of', 'and', 'to', 'in', 'is', 'it', 'you'];
/** Short and long texts, duplicates, other scripts, and texts longer than TINY's context (truncated). */
const TEXTS = [
  ...corpusLines(150, 11, 1, 60),
  'water',
  'water',
  '東京 タワー 🙂',
  Array.from({ length: 300 }, (_, i) => WORDS[i % WORDS.length]).join(' '),
  ...corpusLines(50, 12, 80, 140),
];

async function embed(path: string, engine: 'batched' | 'contexts', batchSize: number): Promise<EmbeddingResult[]> {
  const model = await EmbeddingModel.load(path, { threads: 2, engine });
  try {
    expect(model.info.engine).toBe(engine);
    return await new BatchProcessor(model, { batchSize }).processTexts(TEXTS);
  } finally {
    await model.dispose();
  }
}

function leastCosine(a: EmbeddingResult[], b: EmbeddingResult[]): number {
  return Math.min(...a.map((result, i) => cosine(result.embedding, b[i]?.embedding ?? [])));
}

describe('the batched engine', () => {
  it('is in use where the patched local build is (CI demands it: EMBEDDING_STUDIO_REQUIRE_FAST_PATH=1)', ({ skip }) => {
    if (REQUIRED) expect(available, unavailable).toBe(true);
    skip(!available, unavailable);
    expect(probe.info).toMatchObject({ engine: 'batched', buildType: 'localBuild', contexts: 2 });
  });

  const models: Array<[string, BertModelSpec]> = [
    ['mean pooling, F32', TINY],
    ['CLS pooling', { ...TINY, name: 'tiny-cls', pooling: 'cls' }],
    ['F16 weights', TINY_F16],
    ['Q8_0 weights', TINY_Q8_0],
    ['Q4_0 weights', TINY_Q4_0],
  ];
  it.for(models)(
    'gives the vectors of one text per decode, %s, at batch sizes 1, 8, 32 and 64',
    async ([, spec], { skip }) => {
      skip(!available, unavailable);
      const path = await testModelPath(spec);
      const reference = await embed(path, 'contexts', 32);
      expect(reference).toHaveLength(TEXTS.length);
      expect(reference.filter((r) => r.truncated).length).toBeGreaterThan(10);
      for (const batchSize of [1, 8, 32, 64]) {
        const batched = await embed(path, 'batched', batchSize);
        expect(batched.map(({ line, tokens, truncated }) => ({ line, tokens, truncated }))).toEqual(
          reference.map(({ line, tokens, truncated }) => ({ line, tokens, truncated })),
        );
        expect(leastCosine(batched, reference), `batch size ${batchSize}`).toBeGreaterThan(0.9999);
      }
    },
  );
});

describe('quantized models (the formats users run)', () => {
  // Least cosine similarity to the F16 model each was quantized from, measured over TEXTS: Q8_0 0.99989 through the
  // contexts engine and 0.99987 through the batched one, Q4_0 0.9881 through both.
  const quantized = [
    { type: 'Q8_0', spec: TINY_Q8_0, least: 0.9995 },
    { type: 'Q4_0', spec: TINY_Q4_0, least: 0.97 },
  ];
  it.for(quantized)(
    '$type embeds close to its F16 source through the contexts engine, and the batched one where it runs',
    async ({ spec, least }, { skip }) => {
      const reference = await embed(await testModelPath(TINY_F16), 'contexts', 32);
      const path = await testModelPath(spec);
      const contexts = await embed(path, 'contexts', 32);
      expect(leastCosine(contexts, reference)).toBeGreaterThan(least);
      // Not the F16 model under another name: quantization shows.
      expect(leastCosine(contexts, reference)).toBeLessThan(0.99999);
      skip(!available, unavailable);
      expect(leastCosine(await embed(path, 'batched', 32), reference)).toBeGreaterThan(least);
    },
  );
});

describe('the memory a decode takes', () => {
  it('holds no logits: embedding a model with a 100,000-token vocabulary grows RSS far less than their 4 bytes per token and vocabulary entry', async ({
    skip,
  }) => {
    skip(!available, unavailable);
    const model = await EmbeddingModel.load(await testModelPath(WIDE_VOCAB), { threads: 2 });
    try {
      const texts = corpusLines(64, 31, 20, 25);
      const before = process.memoryUsage.rss();
      const results = await new BatchProcessor(model, { batchSize: 64 }).processTexts(texts);
      const grown = process.memoryUsage.rss() - before;
      // Each of the two contexts decodes ~16 texts of ~25 tokens at once: logits for them would be 100,000 x 4 bytes
      // for every token, ~150 MiB a context, kept for the context's life (patches/llama.cpp/).
      const tokensPerDecode = results.slice(0, 16).reduce((sum, result) => sum + result.tokens, 0);
      expect(tokensPerDecode * 100_000 * 4).toBeGreaterThan(128 * 1024 * 1024);
      expect(grown).toBeLessThan(48 * 1024 * 1024);
    } finally {
      await model.dispose();
    }
  });
});

describe('a decoder embedding model (causal, with a KV cache)', () => {
  it.for(['last', 'mean'] as const)(
    'is left to the contexts engine, %s pooling, and refused the batched one',
    async (pooling) => {
      const path = join(dir, `decoder-${pooling}.gguf`);
      await writeDecoderModel(path, pooling);
      const model = await EmbeddingModel.load(path, { threads: 2 });
      try {
        expect(model.info).toMatchObject({ architecture: 'llama', pooling, engine: 'contexts' });
        const texts = corpusLines(40, 21, 1, 30);
        const alone = await new BatchProcessor(model, { batchSize: 1 }).processTexts(texts);
        const reversed = (
          await new BatchProcessor(model, { batchSize: 16 }).processTexts([...texts].reverse())
        ).reverse();
        // Same vector whatever came before it in the context: nothing of one text stays in the KV cache for the next.
        expect(
          Math.min(...alone.map((result, i) => cosine(result.embedding, reversed[i]?.embedding ?? []))),
        ).toBeGreaterThan(0.9999);
        expect(cosine(alone[0].embedding, alone[1].embedding)).toBeLessThan(0.99);
      } finally {
        await model.dispose();
      }
      await expect(EmbeddingModel.load(path, { threads: 2, engine: 'batched' })).rejects.toMatchObject({
        code: 'BAD_OPTION',
      });
    },
  );
});

describe('BatchedPool', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    const llama = await getLlama({ gpu: false, maxThreads: 2, build: 'never', progressLogs: false });
    model = await llama.loadModel({ modelPath: await testModelPath(TINY) });
  });
  afterAll(() => model.dispose());

  it('packs texts up to the sequence cap and the token budget, and decodes a text over the budget alone', async ({
    skip,
  }) => {
    skip(!available, unavailable);
    const pool = await BatchedPool.openIfSupported(model, {
      contexts: 2,
      threads: 1,
      sequences: 3,
      tokenBudget: 40,
      contextSize: 128,
    });
    const single = await ContextPool.create(model, 1, { contextSize: 128, threads: 1 });
    const decodes: Array<{ tokens: number; texts: number }> = [];
    // Each decode's texts and tokens, seen on the native calls the pool makes.
    for (const lane of (pool as unknown as { lanes: Array<{ native: NativeBatch }> }).lanes) {
      const real = lane.native;
      lane.native = {
        initBatch: (tokens) => {
          decodes.push({ tokens, texts: 0 });
          real.initBatch(tokens);
        },
        addToBatch: (...args) => {
          const decode = decodes.at(-1);
          if (decode) decode.texts += 1;
          return real.addToBatch(...args);
        },
        decodeBatch: () => real.decodeBatch(),
        getEmbedding: (...args) => real.getEmbedding(...args),
        getSequenceKvCacheMinPosition: (sequence) => real.getSequenceKvCacheMinPosition(sequence),
      };
    }
    try {
      expect(pool?.size).toBe(6);
      const texts = corpusLines(40, 3, 1, 70).map((text) => model.tokenize(text).slice(0, 120));
      expect(texts.some((tokens) => tokens.length + 2 > 40)).toBe(true);
      const batched = await Promise.all(pool!.embed(texts));
      expect(decodes.reduce((sum, decode) => sum + decode.texts, 0)).toBe(texts.length);
      expect(Math.max(...decodes.map((decode) => decode.texts))).toBe(3);
      for (const decode of decodes) {
        if (decode.texts > 1) expect(decode.tokens, 'several texts in one decode').toBeLessThanOrEqual(40);
        else expect(decode.texts).toBe(1);
      }
      expect(decodes.filter((decode) => decode.tokens > 40).length).toBe(
        texts.filter((tokens) => tokens.length + 2 > 40).length,
      );
      for (const [i, tokens] of texts.entries()) {
        const [alone] = single.embed([tokens]);
        expect(cosine(batched[i].vector, (await alone).vector), `text ${i}`).toBeGreaterThan(0.9999);
      }
    } finally {
      await pool?.dispose();
      await single.dispose();
    }
  });

  it('plans the decodes of a group of texts from their token counts alone, each text in exactly one decode', () => {
    const lengths = corpusLines(300, 5, 1, 60).map((text) => text.split(' ').length + 2);
    lengths.splice(7, 0, 700);
    const limits = { sequences: 16, tokenBudget: 512 };
    const plan = planDecodes(lengths, limits);
    expect(planDecodes(lengths, limits)).toEqual(plan);
    expect(plan.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const decode of plan) {
      expect(decode.length).toBeLessThanOrEqual(16);
      const tokens = decode.reduce((sum, i) => sum + (lengths[i] ?? 0), 0);
      if (decode.length > 1) expect(tokens).toBeLessThanOrEqual(512);
    }
    expect(plan.find((decode) => decode.includes(7))).toEqual([7]);
    // Full decodes: most of the budget or the sequence cap used, but for the last ones of the group.
    const full = plan.filter(
      (decode) => decode.length === 16 || decode.reduce((sum, i) => sum + (lengths[i] ?? 0), 0) > 512 - 60,
    );
    expect(full.length).toBeGreaterThanOrEqual(plan.length - 3);
  });

  it('turns away texts handed to it after it was disposed', async ({ skip }) => {
    skip(!available, unavailable);
    const pool = await BatchedPool.openIfSupported(model, {
      contexts: 1,
      threads: 1,
      sequences: 4,
      tokenBudget: 64,
      contextSize: 128,
    });
    await pool!.dispose();
    await expect(pool!.embed([model.tokenize('late')])[0]).rejects.toThrow(/unloaded/);
  });
});
