import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN, loadFixtures } from './fixtures';

test('downloads a model from a pasted URL with progress, then embeds a file with it', async ({
  page,
  request,
}, testInfo) => {
  const fixtures = loadFixtures();
  await page.goto(`/#token=${E2E_TOKEN}`);
  await expect(page.getByRole('heading', { name: 'Embedding Studio' })).toBeVisible();
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('button', { name: 'Models' }).click();

  await page.getByLabel('Model address').fill(fixtures.modelUrl);
  await page.getByRole('button', { name: 'Download', exact: true }).click();

  // The server holds the file halfway until released, so the progress can be seen.
  const progress = page.getByRole('progressbar', { name: 'Bytes downloaded' });
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(page.getByRole('group', { name: 'Model download' })).toContainText(/KiB of 241 KiB/);
  await expect(page.getByRole('button', { name: 'Cancel download' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('1-downloading.png'), fullPage: true });
  await request.post(`${fixtures.modelServer}/release`);

  await expect(page.getByText('Downloaded e2e-tiny.gguf.')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Models in the folder' })).toContainText('e2e-tiny.gguf');
  await page.screenshot({ path: testInfo.outputPath('2-downloaded.png'), fullPage: true });
  await views.getByRole('button', { name: 'Embed' }).click();
  await expect(page.getByLabel('Model file')).toHaveValue(/[\\/]models[\\/]e2e-tiny\.gguf$/);

  // A model loaded by an earlier test stays loaded until Load is pressed; with none, the download was loaded already.
  const switchNote = page.getByText('Press Load to switch');
  if (await switchNote.isVisible()) await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(switchNote).toBeHidden();
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert');

  await page.getByLabel('Input file').fill(fixtures.input);
  await page.getByLabel('Input file').press('Enter');
  await expect(page.getByLabel('About the input')).toBeVisible();
  const output = join(mkdtempSync(join(fixtures.dir, 'out-')), 'downloaded.jsonl');
  await page.getByLabel('Output file').fill(output);
  await page.getByRole('button', { name: 'Start' }).click();
  // The summary of an earlier test's run may still show until this run's replaces it: wait for this run's output.
  await expect(page.getByText(output, { exact: true })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByLabel('Run totals')).toContainText(fixtures.embeddableLines.toLocaleString('en-US'));
  await page.screenshot({ path: testInfo.outputPath('3-done.png'), fullPage: true });

  const rows = readFileSync(output, 'utf8').trim().split('\n');
  expect(rows).toHaveLength(fixtures.embeddableLines);
  expect((JSON.parse(rows[0] ?? '{}') as { embedding: number[] }).embedding).toHaveLength(32);
});
