import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGgufFile } from '#core/ggufCheck';
import { writeGguf } from '../support/gguf';
import { tempDir } from '../support/files';
import { bertModelParts, testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let good: string;
beforeAll(async () => {
  good = await testModelPath(TINY);
});

async function check(path: string): Promise<unknown> {
  return checkGgufFile(path, (await stat(path)).size);
}

describe('checkGgufFile', () => {
  it('accepts a good model and returns its header', async () => {
    await expect(check(good)).resolves.toMatchObject({ metadata: { general: { architecture: 'bert' } } });
  });

  it('refuses a file cut short, saying how much is missing', async () => {
    const bytes = await readFile(good);
    for (const length of [bytes.length - 1, Math.floor(bytes.length / 2)]) {
      const path = join(dir, `cut-${length}.gguf`);
      await writeFile(path, bytes.subarray(0, length));
      await expect(check(path)).rejects.toMatchObject({
        code: 'MODEL_DAMAGED',
        message: expect.stringMatching(
          new RegExp(`damaged.*truncated: its tensors need ${bytes.length} bytes but the file has ${length}`),
        ),
      });
    }
    // Cut inside the header, the header itself cannot be read.
    const header = join(dir, 'cut-header.gguf');
    await writeFile(header, bytes.subarray(0, 2000));
    await expect(check(header)).rejects.toMatchObject({
      code: 'MODEL_DAMAGED',
      message: expect.stringMatching(/damaged/),
    });
  });

  it('refuses the wrong magic and an empty file', async () => {
    const wrong = join(dir, 'wrong-magic.gguf');
    await writeFile(wrong, Buffer.concat([Buffer.from('GGML'), (await readFile(good)).subarray(4)]));
    await expect(check(wrong)).rejects.toMatchObject({ code: 'NOT_GGUF' });
    const empty = join(dir, 'empty.gguf');
    await writeFile(empty, '');
    await expect(check(empty)).rejects.toMatchObject({ code: 'NOT_GGUF', message: expect.stringContaining('empty') });
  });

  it('refuses a norm tensor stored as F16, which would abort llama.cpp', async () => {
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'f16-norm' });
    const path = join(dir, 'f16-norm.gguf');
    await writeGguf(
      path,
      metadata,
      tensors.map((t) => (t.name === 'token_embd_norm.weight' ? { ...t, type: 'F16' } : t)),
    );
    await expect(check(path)).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringContaining('token_embd_norm.weight is stored as F16 where llama.cpp needs F32'),
    });
  });

  it('refuses an architecture llama.cpp does not know', async () => {
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'alien' });
    const path = join(dir, 'alien.gguf');
    await writeGguf(path, { ...metadata, 'general.architecture': { type: 'string', value: 'alien-net' } }, tensors);
    await expect(check(path)).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringContaining('alien-net'),
    });
  });
});
