import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DOWNLOADS_FOLDER,
  incompleteDownloads,
  listModels,
  modelFilesToRemove,
  prepareModelsFolder,
  removeFiles,
} from '#core/library/modelsFolder';

/** Removes a model as `models rm` does, returning the paths removed. */
async function removeModel(dir: string, name: string): Promise<string[]> {
  const files = await modelFilesToRemove(dir, name);
  await removeFiles(files);
  return files;
}
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

/** A models folder with each file written with its content, or a copy of the tiny test model where that is 'model'. */
async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, DOWNLOADS_FOLDER), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (content === 'model') await copyFile(await testModelPath(TINY), join(dir, name));
    else await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('the models folder', () => {
  it('lists its .gguf files by name, a split model once, and ignores the rest', async () => {
    const dir = await folderWith({
      'b.gguf': 'model',
      'A.gguf': 'model',
      'notes.txt': 'x',
      'split-00001-of-00002.gguf': 'model',
      'split-00002-of-00002.gguf': 'model',
    });
    expect((await listModels(dir)).map((model) => model.fileName)).toEqual([
      'A.gguf',
      'b.gguf',
      'split-00001-of-00002.gguf',
    ]);
  });

  it('has no models where there is no folder', async () => {
    expect(await listModels(join(await tempDir(), 'missing'))).toEqual([]);
  });

  it('lists incomplete downloads by the name they will have', async () => {
    const dir = await folderWith({ [`${DOWNLOADS_FOLDER}/big.gguf.ipull`]: 'partial' });
    expect(await incompleteDownloads(dir)).toEqual(['big.gguf']);
  });

  it('removes a model, every part of a split one, or an incomplete download', async () => {
    const dir = await folderWith({
      'one.gguf': 'model',
      'split-00001-of-00002.gguf': 'model',
      'split-00002-of-00002.gguf': 'model',
      [`${DOWNLOADS_FOLDER}/big.gguf.ipull`]: 'partial',
    });
    expect(await removeModel(dir, 'one.gguf')).toEqual([join(dir, 'one.gguf')]);
    expect(await removeModel(dir, 'split-00001-of-00002.gguf')).toHaveLength(2);
    expect(await removeModel(dir, 'big.gguf')).toEqual([join(dir, DOWNLOADS_FOLDER, 'big.gguf.ipull')]);
    expect(await readdir(dir)).toEqual([DOWNLOADS_FOLDER]);
  });

  it('refuses a path or a name it does not have', async () => {
    const dir = await folderWith({});
    await expect(removeModel(dir, '../settings.json')).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(removeModel(dir, 'nothing.gguf')).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `There is no model nothing.gguf in ${dir}.`,
    });
  });

  it('removes a model by its name without .gguf, and a split model without a file that only shares its stem', async () => {
    const dir = await folderWith({
      'one.gguf': 'model',
      'split-00001-of-00002.gguf': 'model',
      'split-00002-of-00002.gguf': 'model',
      split: 'notes',
    });
    expect(await removeModel(dir, 'one')).toEqual([join(dir, 'one.gguf')]);
    expect(await removeModel(dir, 'split-00001-of-00002')).toEqual([
      join(dir, 'split-00001-of-00002.gguf'),
      join(dir, 'split-00002-of-00002.gguf'),
    ]);
    expect((await readdir(dir)).sort()).toEqual([DOWNLOADS_FOLDER, 'split']);
  });

  it('refuses, by what it is, anything in the folder that is not a listed model, and removes nothing', async () => {
    const outside = await folderWith({ 'victim.gguf': 'model' });
    const dir = await folderWith({
      'notes.txt': 'my notes',
      'split-00001-of-00002.gguf': 'model',
      'split-00002-of-00002.gguf': 'model',
    });
    await mkdir(join(dir, 'sub.gguf'));
    await symlink(join(outside, 'victim.gguf'), join(dir, 'linked.gguf'));
    await expect(removeModel(dir, 'notes.txt')).rejects.toMatchObject({
      code: 'NOT_GGUF',
      message: `${join(dir, 'notes.txt')} is not a GGUF model (.gguf); nothing was removed.`,
    });
    await expect(removeModel(dir, 'sub.gguf')).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: `${join(dir, 'sub.gguf')} is a folder, not a model; nothing was removed.`,
    });
    await expect(removeModel(dir, 'linked.gguf')).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: expect.stringMatching(/linked\.gguf is a symbolic link/),
    });
    await expect(removeModel(dir, 'split-00002-of-00002.gguf')).rejects.toMatchObject({
      code: 'NOT_GGUF',
      message: expect.stringMatching(/is a later part of a split model/),
    });
    for (const path of [join(outside, 'victim.gguf'), '/etc/hostname', `../${basename(outside)}/victim.gguf`]) {
      await expect(removeModel(dir, path)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    }
    expect((await readdir(dir)).sort()).toEqual([
      DOWNLOADS_FOLDER,
      'linked.gguf',
      'notes.txt',
      'split-00001-of-00002.gguf',
      'split-00002-of-00002.gguf',
      'sub.gguf',
    ]);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(await readdir(outside)).toContain('victim.gguf');
  });

  it('refuses a folder it cannot create', async () => {
    const dir = await folderWith({ file: 'x' });
    await expect(prepareModelsFolder(join(dir, 'file', 'models'))).rejects.toMatchObject({ code: 'OUTPUT_UNWRITABLE' });
  });
});
