import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { loadFixtures } from './fixtures';

/** The Electron binary, where it is installed; requiring `electron` would try to download it instead. */
function electronBinary(): string | null {
  const dir = resolve('node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();

test.describe('the Electron app', () => {
  test.skip(binary === null, 'the Electron binary is not installed on this machine');

  test('opens its window, loads a model and shows it', async () => {
    const fixtures = loadFixtures();
    const app = await electron.launch({ executablePath: binary ?? undefined, args: [resolve('out/main/index.js')] });
    try {
      const window = await app.firstWindow();
      await expect(window.getByRole('heading', { name: /Embedding Studio/ })).toBeVisible();
      await window.getByLabel('Model file').fill(fixtures.model);
      await window.getByRole('button', { name: 'Load', exact: true }).click();
      await expect(window.getByText('tiny-bert')).toBeVisible();
      // No Node in the page: only the contract the preload exposes.
      const exposed = await window.evaluate(() => ({
        node: 'process' in globalThis || 'require' in globalThis,
        studio: 'studio' in globalThis,
      }));
      expect(exposed).toEqual({ node: false, studio: true });
    } finally {
      await app.close();
    }
  });
});
