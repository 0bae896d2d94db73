import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchProcessor } from '#core/batchProcessor';
import type { SkippedLine } from '#shared/engine';
import { EmbeddingModel, type ModelOptions } from '#core/model';
import { cosine, tempDir } from '../support/files';
import { testModelPath, TINY, writeBertModel } from '../support/testModels';

const dir = await tempDir();
let modelPath: string;
const loaded: EmbeddingModel[] = [];

async function load(options: ModelOptions = {}, path = modelPath): Promise<EmbeddingModel> {
  const model = await EmbeddingModel.load(path, { threads: 2, ...options });
  loaded.push(model);
  return model;
}

beforeAll(async () => {
  modelPath = await testModelPath(TINY);
});
afterAll(async () => {
  await Promise.all(loaded.map((m) => m.dispose()));
});

const WORDS = ['the', 'of', 'and', 'to', 'in', 'is', 'it', 'you'];
const LONG = Array.from({ length: 400 }, (_, i) => WORDS[i % WORDS.length]).join(' ');

describe('EmbeddingModel', () => {
  it('describes the model it loaded', async () => {
    const model = await load();
    expect(model.info).toEqual({
      path: modelPath,
      name: 'tiny-bert',
      fileSize: (await stat(modelPath)).size,
      architecture: 'bert',
      dimension: 32,
      pooling: 'mean',
      trainContextSize: 128,
      contextSize: 128,
      quantization: 'F32',
      backend: 'cpu',
      gpuName: null,
      gpuLayers: 0,
      threads: 2,
      contexts: 2,
      engine: model.info.buildType === 'prebuilt' ? 'contexts' : expect.stringMatching(/^(batched|contexts)$/),
      buildType: expect.stringMatching(/^(localBuild|prebuilt)$/),
      // What llama.cpp's CPU code was built for: x86 builds at least have SSE3.
      cpuFeatures: process.arch === 'x64' ? expect.arrayContaining(['SSE3']) : expect.any(Array),
      normalize: 'l2',
      prefix: '',
      onLong: 'truncate',
      dimensions: null,
    });
  });

  it('uses every core by default, one single-threaded context each on CPU', async () => {
    const model = await EmbeddingModel.load(modelPath, { gpu: 'cpu' });
    loaded.push(model);
    expect(model.info).toMatchObject({
      threads: availableParallelism(),
      contexts: availableParallelism(),
      backend: 'cpu',
    });
  });

  it('uses the contexts engine when asked, whatever the build', async () => {
    const model = await load({ engine: 'contexts' });
    expect(model.info).toMatchObject({ engine: 'contexts', contexts: 2, threads: 2 });
  });

  it('reads pooling and weight type from the file', async () => {
    const path = join(dir, 'cls-f16.gguf');
    await writeBertModel(path, { ...TINY, name: 'cls-f16', pooling: 'cls', weightType: 'F16' });
    const model = await load({}, path);
    expect(model.info).toMatchObject({ pooling: 'cls', quantization: 'F16', name: 'cls-f16' });
  });

  it('leaves vectors unnormalized on request, same direction', async () => {
    const raw = await load({ normalize: 'none' });
    const unit = await load({ normalize: 'l2' });
    const [a] = await new BatchProcessor(raw).processTexts(['the city reads books']);
    const [b] = await new BatchProcessor(unit).processTexts(['the city reads books']);
    const length = Math.hypot(...a.embedding);
    expect(Math.abs(length - 1)).toBeGreaterThan(0.01);
    expect(cosine(a.embedding, b.embedding)).toBeCloseTo(1, 6);
  });

  it('prepends the prefix to every text, counting its tokens', async () => {
    const plain = await load();
    const prefixed = await load({ prefix: 'search_document: ' });
    const [a] = await new BatchProcessor(plain).processTexts(['water and time']);
    const [b] = await new BatchProcessor(prefixed).processTexts(['water and time']);
    expect(b.text).toBe('water and time');
    expect(b.tokens).toBeGreaterThan(a.tokens);
    expect(cosine(a.embedding, b.embedding)).toBeLessThan(0.999);
  });

  it('truncates a text longer than the context by default, keeping its head, and marks it', async () => {
    const model = await load({ contextSize: 64 });
    const [long, head] = await new BatchProcessor(model).processTexts([LONG, LONG.split(' ').slice(0, 61).join(' ')]);
    expect(long).toMatchObject({ truncated: true, tokens: 63 });
    expect(head).toMatchObject({ truncated: false, tokens: 63 });
    expect(cosine(long.embedding, head.embedding)).toBeCloseTo(1, 5);
  });

  it('skips a text longer than the context with --on-long skip, saying how long it was', async () => {
    const model = await load({ contextSize: 64, onLong: 'skip' });
    const skipped: SkippedLine[] = [];
    const results = await new BatchProcessor(model).processTexts(['short', LONG], { onSkip: (s) => skipped.push(s) });
    expect(results.map((r) => r.line)).toEqual([1]);
    expect(skipped).toEqual([{ line: 2, reason: 'too-long', detail: '402 tokens, the context holds 63' }]);
  });

  it('stops at a text longer than the context with --on-long fail, naming the line', async () => {
    const model = await load({ contextSize: 64, onLong: 'fail' });
    await expect(new BatchProcessor(model).processTexts(['short', 'also short', LONG])).rejects.toMatchObject({
      code: 'TEXT_TOO_LONG',
      message: expect.stringMatching(/^Line 3 is too long/),
    });
  });

  describe('refuses what it cannot load, saying why', () => {
    it.each([
      ['a missing file', async () => join(dir, 'missing.gguf'), 'FILE_NOT_FOUND', /does not exist/],
      [
        'a directory',
        async () => mkdir(join(dir, 'folder.gguf')).then(() => join(dir, 'folder.gguf')),
        'NOT_A_FILE',
        /is a directory/,
      ],
      [
        'an empty file',
        async () => writeFile(join(dir, 'empty.gguf'), '').then(() => join(dir, 'empty.gguf')),
        'NOT_GGUF',
        /it is empty/,
      ],
      [
        'a text file',
        async () => writeFile(join(dir, 'notes.gguf'), 'hello').then(() => join(dir, 'notes.gguf')),
        'NOT_GGUF',
        /is not a GGUF model file/,
      ],
      [
        'a truncated model',
        async () => {
          const path = join(dir, 'truncated.gguf');
          await writeFile(path, (await readFile(modelPath)).subarray(0, 1000));
          return path;
        },
        'MODEL_DAMAGED',
        /^This model file is damaged/,
      ],
      [
        'a model without pooling (not an embedding model)',
        async () => {
          const path = join(dir, 'no-pooling.gguf');
          await writeBertModel(path, { ...TINY, name: 'no-pooling', pooling: 'none' });
          return path;
        },
        'NOT_EMBEDDING_MODEL',
        /not an embedding model/,
      ],
    ])('%s', async (_label, makePath, code, message) => {
      const path = await makePath();
      const loading = EmbeddingModel.load(path, { threads: 1 });
      await expect(loading).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message),
        remedy: expect.any(Object),
      });
      await expect(loading).rejects.toThrow(path);
    });

    it('a bad thread count or context size', async () => {
      await expect(EmbeddingModel.load(modelPath, { threads: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
      await expect(EmbeddingModel.load(modelPath, { threads: 1, contextSize: 2 })).rejects.toMatchObject({
        code: 'BAD_OPTION',
      });
    });
  });
});
