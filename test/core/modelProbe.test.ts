import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeModel, SOURCE_PROBE_WORKER } from '../../src/core/modelProbe';
import { writeGguf } from '../support/gguf';
import { tempDir } from '../support/files';
import { bertModelParts, testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();

describe('probeModel', () => {
  it('passes a good model', async () => {
    await expect(probeModel(await testModelPath(TINY), SOURCE_PROBE_WORKER)).resolves.toBeUndefined();
  });

  it('passes on the loader’s own error for a file that is not a model', async () => {
    const path = join(dir, 'notes.gguf');
    await writeFile(path, 'not a model');
    await expect(probeModel(path, SOURCE_PROBE_WORKER)).rejects.toMatchObject({ code: 'NOT_GGUF', message: expect.stringContaining(path) });
  });

  it('turns a native abort inside llama.cpp into an error, and this process lives on', async () => {
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'aborts' });
    const path = join(dir, 'aborts.gguf');
    await writeGguf(path, metadata, tensors.map((t) => (t.name === 'blk.0.attn_q.bias' ? { ...t, type: 'F16' } : t)));
    await expect(probeModel(path, SOURCE_PROBE_WORKER)).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringMatching(/^This model file is damaged or unsupported: llama\.cpp stopped \(SIG/),
    });
  });
});
