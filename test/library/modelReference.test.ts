import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '#core/library/modelReference';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

describe('a model argument', () => {
  it('is a model of the models folder by its listed name, with or without .gguf', async () => {
    const dir = await tempDir();
    await copyFile(await testModelPath(TINY), join(dir, 'hidden-model.gguf'));
    await copyFile(await testModelPath(TINY), join(dir, 'split-00001-of-00002.gguf'));
    expect(await resolveModel('hidden-model', dir)).toEqual({ kind: 'file', path: join(dir, 'hidden-model.gguf') });
    expect(await resolveModel('hidden-model.gguf', dir)).toEqual({
      kind: 'file',
      path: join(dir, 'hidden-model.gguf'),
    });
    expect(await resolveModel('split-00001-of-00002', dir)).toEqual({
      kind: 'file',
      path: join(dir, 'split-00001-of-00002.gguf'),
    });
  });

  it('is never a file of the folder the listing does not show, nor a path into it', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await writeFile(join(dir, 'notes'), 'not a model');
    await mkdir(join(dir, 'sub.gguf'));
    await copyFile(await testModelPath(TINY), join(elsewhere, 'outside.gguf'));
    await symlink(join(elsewhere, 'outside.gguf'), join(dir, 'linked.gguf'));
    await copyFile(await testModelPath(TINY), join(dir, 'hidden-model.gguf'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      // Paths that lead to the listed model (without its .gguf, so no file is there) are paths, never its name.
      const paths = [join(dir, 'hidden-model'), `../${basename(dir)}/hidden-model`, './hidden-model'];
      for (const name of ['notes', 'sub', 'linked', ...paths])
        expect(await resolveModel(name, dir), name).toEqual({ kind: 'file', path: name });
    } finally {
      process.chdir(cwd);
    }
  });

  it('is a file that exists first, then a listed model, then a catalog model or address to download', async () => {
    const dir = await tempDir();
    const cwd = process.cwd();
    try {
      process.chdir(await tempDir());
      expect(await resolveModel('bge-m3', dir)).toMatchObject({
        kind: 'download',
        target: { catalog: { id: 'bge-m3' } },
      });
      expect(await resolveModel('https://example.com/m.gguf', dir)).toMatchObject({
        kind: 'download',
        target: { uri: 'https://example.com/m.gguf' },
      });
      await copyFile(await testModelPath(TINY), join(dir, 'bge-m3.gguf'));
      expect(await resolveModel('bge-m3', dir)).toEqual({ kind: 'file', path: join(dir, 'bge-m3.gguf') });
      await writeFile('bge-m3', 'a local file named like a catalog model');
      expect(await resolveModel('bge-m3', dir)).toEqual({ kind: 'file', path: 'bge-m3' });
      expect(await resolveModel('models/m.gguf', dir)).toEqual({ kind: 'file', path: 'models/m.gguf' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('is a catalog model already downloaded, as its file', async () => {
    const dir = await tempDir();
    await copyFile(await testModelPath(TINY), join(dir, 'bge-m3-q8_0.gguf'));
    expect(await resolveModel('BGE-M3', dir)).toEqual({ kind: 'file', path: join(dir, 'bge-m3-q8_0.gguf') });
  });
});
