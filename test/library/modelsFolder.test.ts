import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOWNLOADS_FOLDER, incompleteDownloads, listModels, prepareModelsFolder, removeModel } from '../../src/core/library/modelsFolder';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

async function folderWith(files: Record<string, string | 'model'>): Promise<string> {
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
    const dir = await folderWith({ 'b.gguf': 'model', 'A.gguf': 'model', 'notes.txt': 'x', 'split-00001-of-00002.gguf': 'model', 'split-00002-of-00002.gguf': 'model' });
    expect((await listModels(dir)).map((model) => model.fileName)).toEqual(['A.gguf', 'b.gguf', 'split-00001-of-00002.gguf']);
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
    await expect(removeModel(dir, 'nothing.gguf')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: `There is no model nothing.gguf in ${dir}.` });
  });

  it('refuses a folder it cannot create', async () => {
    const dir = await folderWith({ file: 'x' });
    await expect(prepareModelsFolder(join(dir, 'file', 'models'))).rejects.toMatchObject({ code: 'OUTPUT_UNWRITABLE' });
  });
});
