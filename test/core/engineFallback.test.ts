import { getLlama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedPool } from '#core/batchedPool';
import { EmbeddingModel } from '#core/model';
import { openPool } from '#core/openPool';
import { testModelPath, TINY } from '../support/testModels';

let model: LlamaModel;
beforeAll(async () => {
  // node-llama-cpp looks for a local build in a folder named after the custom cmake options it is given, so an option
  // no build was made with makes it load its prebuilt binary, as on a machine without `npm run build:engine`.
  const llama = await getLlama({
    gpu: false,
    maxThreads: 2,
    build: 'never',
    progressLogs: false,
    cmakeOptions: { EMBEDDING_STUDIO_PREBUILT_ONLY: '1' },
  });
  expect(llama.buildType).toBe('prebuilt');
  model = await llama.loadModel({ modelPath: await testModelPath(TINY) });
});
afterAll(() => model.dispose());

describe('without the patched local build', () => {
  const options = { backend: 'cpu', threads: 2, contextSize: 128 } as const;

  it('falls back to the contexts engine: the self-test sees the stock addon read only the first text', async () => {
    // The batched engine can be set up on the stock addon; it is its self-test that turns it down.
    await expect(
      BatchedPool.openIfSupported(model, { contexts: 1, threads: 1, sequences: 2, tokenBudget: 64, contextSize: 128 }),
    ).resolves.toBeNull();
    const { pool, engine, contexts } = await openPool(model, { ...options, engine: 'auto' });
    try {
      expect({ engine, contexts, size: pool.size }).toEqual({ engine: 'contexts', contexts: 2, size: 2 });
      const [embedded] = pool.embed([model.tokenize('the city reads books')]);
      expect((await embedded)?.vector).toHaveLength(TINY.embeddingLength);
    } finally {
      await pool.dispose();
    }
  });

  it('refuses to use the batched engine when it is asked for, saying how to get it', async () => {
    await expect(openPool(model, { ...options, engine: 'batched' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'buildEngine' },
    });
  });

  it('is what a model loads with when the prebuilt binary is asked for (after the local build died on it)', async () => {
    const loaded = await EmbeddingModel.load(await testModelPath(TINY), {
      gpu: 'cpu',
      threads: 2,
      contextSize: 64,
      binary: 'prebuilt',
    });
    try {
      expect(loaded.info).toMatchObject({ buildType: 'prebuilt', engine: 'contexts' });
      const prepared = loaded.prepare('the city reads books', 1);
      expect(prepared.ok && (await loaded.embed(prepared.tokens)).vector).toHaveLength(TINY.embeddingLength);
    } finally {
      await loaded.dispose();
    }
  });
});
