import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeModelFile } from '#core/library/modelFileInfo';
import { tempDir } from '../support/files';
import { testModelPath, TINY, type BertModelSpec } from '../support/testModels';

const SPECS: BertModelSpec[] = [
  TINY,
  {
    ...TINY,
    name: 'small-cls-f16',
    embeddingLength: 64,
    contextLength: 256,
    pooling: 'cls',
    weightType: 'F16',
    seed: 4,
  },
  { ...TINY, name: 'last-token', embeddingLength: 48, headCount: 4, contextLength: 96, pooling: 'last', seed: 5 },
  { ...TINY, name: 'tiny-bert-no-pooling', pooling: 'none' },
];

describe('a model file described from its header', () => {
  it.each(SPECS)('gives what $name was written with', async (spec) => {
    const path = await testModelPath(spec);
    const model = await describeModelFile(path);
    expect(model).toMatchObject({
      path,
      name: spec.name,
      architecture: 'bert',
      dimensions: spec.embeddingLength,
      contextLength: spec.contextLength,
      pooling: spec.pooling,
      quantization: spec.weightType,
      embedding: spec.pooling !== 'none',
      problem: null,
    });
    expect(model.sizeBytes).toBeGreaterThan(0);
  });

  it('describes a file anew once it is replaced under the same name (another model downloaded over it)', async () => {
    const path = join(await tempDir(), 'model.gguf');
    await copyFile(await testModelPath(TINY), path);
    expect(await describeModelFile(path)).toMatchObject({ name: 'tiny-bert', dimensions: 32 });
    await copyFile(await testModelPath(SPECS[1]), path);
    expect(await describeModelFile(path)).toMatchObject({ name: 'small-cls-f16', dimensions: 64, pooling: 'cls' });
  });

  it('says what is wrong with a file that is not a GGUF model, or is cut short', async () => {
    const dir = await tempDir();
    const notes = join(dir, 'notes.gguf');
    await writeFile(notes, 'these are my notes\n');
    expect(await describeModelFile(notes)).toMatchObject({
      name: 'notes',
      problem: 'not a GGUF file',
      embedding: false,
      dimensions: null,
    });
    const cut = join(dir, 'cut.gguf');
    await writeFile(cut, Buffer.from('GGUF\x03\x00\x00\x00', 'latin1'));
    expect((await describeModelFile(cut)).problem).toMatch(/GGUF header/);
  });
});
