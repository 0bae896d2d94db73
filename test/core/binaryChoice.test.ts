import { describe, expect, it } from 'vitest';
import { EmbeddingModel } from '#core/model';
import { testModelPath, TINY } from '../support/testModels';

describe('the binary a model loads with, in one process', () => {
  it('is the local build where there is one, and then never the prebuilt binary, whose libraries it would stand in for', async () => {
    const path = await testModelPath(TINY);
    const first = await EmbeddingModel.load(path, { gpu: 'cpu', threads: 1, contextSize: 64 });
    const { buildType } = first.info;
    await first.dispose();
    const prebuilt = EmbeddingModel.load(path, { gpu: 'cpu', threads: 1, contextSize: 64, binary: 'prebuilt' });
    if (buildType === 'localBuild') {
      await expect(prebuilt).rejects.toMatchObject({
        code: 'MODEL_UNSUPPORTED',
        message:
          "This model needs node-llama-cpp's prebuilt binary, and this process has already loaded llama.cpp's local build.",
        remedy: { kind: 'advice', text: 'Restart Embedding Studio and load this model first.' },
      });
    } else {
      const model = await prebuilt;
      expect(model.info).toMatchObject({ buildType: 'prebuilt', engine: 'contexts' });
      await model.dispose();
    }
  });
});
