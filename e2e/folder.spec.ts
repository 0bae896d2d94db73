import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN, loadFixtures } from './fixtures';

test('takes a typed folder as the input: its documents by kind, the first chunks, and a run of it', async ({
  page,
}, testInfo) => {
  const fixtures = loadFixtures();
  const folder = mkdtempSync(join(fixtures.dir, 'folder-'));
  const sentence = 'the quick brown fox jumps over the lazy dog. ';
  mkdirSync(join(folder, 'notes'));
  writeFileSync(join(folder, 'a.md'), sentence.repeat(20));
  writeFileSync(join(folder, 'notes', 'b.md'), '# Title\n\nA short note.\n');
  writeFileSync(join(folder, 'c.txt'), 'hello world\n');
  writeFileSync(join(folder, 'picture.png'), 'not read');
  const output = join(fixtures.dir, `${folder.split('/').at(-1)}.jsonl`);

  await page.goto(`/#token=${E2E_TOKEN}`);
  await page.getByLabel('Model file').fill(fixtures.model);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert', { timeout: 60_000 });
  await page.getByLabel('Input file or folder').fill(folder);
  await page.getByLabel('Input file or folder').press('Enter');

  // The glob and chunk sizes an earlier test left in the remembered settings are cleared.
  await page.getByLabel('Documents (glob)').fill('');
  await page.getByLabel('Documents (glob)').press('Enter');
  await page.getByLabel('Chunk tokens').fill('');
  const about = page.getByLabel('About the folder');
  await expect(about).toContainText('.md');
  await expect(about).toContainText('2 files');
  await expect(page.getByText('1 other file of the folder is left out by the glob.')).toBeVisible();
  const chunks = page.getByRole('list', { name: 'Chunks of a.md' }).getByRole('listitem');
  await expect(chunks.first()).toContainText('Chunk 0 ·');
  await expect(page.getByText('Always cut into chunks, a row each')).toBeVisible();

  // A glob narrows the documents; the chunk sizes cut the preview again.
  await page.getByLabel('Documents (glob)').fill('**/*.md');
  await page.getByLabel('Documents (glob)').press('Enter');
  await expect(page.getByText('2 other files of the folder are left out by the glob.')).toBeVisible();
  await expect(page.getByText(/^Chunks of up to 24 tokens/)).toHaveCount(0);
  await page.getByLabel('Chunk tokens').fill('24');
  await expect(page.getByText(/^Chunks of up to 24 tokens, each repeating up to 2 of the one before/)).toBeVisible();
  await expect(chunks.first()).toContainText(/Chunk 0 · (1\d|2[0-4]) tokens/);
  await page.screenshot({ path: testInfo.outputPath('folder-input.png') });

  await page.getByLabel('Output file').fill(output);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByText(output, { exact: true })).toBeVisible({ timeout: 90_000 });
  const rows = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { source: string });
  expect(new Set(rows.map((row) => row.source))).toEqual(new Set(['a.md', 'notes/b.md']));
  expect(rows.length).toBeGreaterThan(4);
});
