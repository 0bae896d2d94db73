import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN, loadFixtures } from './fixtures';

test('Explore maps a finished run: one point per row, and pointing at a point shows its line', async ({ page }) => {
  const fixtures = loadFixtures();
  const dir = mkdtempSync(join(fixtures.dir, 'map-'));
  // 300 lines, none blank: a run and a map of a few seconds.
  const lines = readFileSync(fixtures.input, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, 300);
  const input = join(dir, 'reviews.txt');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const output = join(dir, 'reviews.jsonl');

  await page.goto(`/#token=${E2E_TOKEN}`);
  await page.getByLabel('Model file').fill(fixtures.model);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert', { timeout: 60_000 });
  await page.getByLabel('Input file').fill(input);
  await page.getByLabel('Input file').press('Enter');
  await expect(page.getByLabel('About the input')).toBeVisible();
  await page.getByLabel('Output file').fill(output);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByText(output, { exact: true })).toBeVisible({ timeout: 90_000 });
  await page.getByRole('button', { name: 'Explore this output' }).click();

  await page.getByRole('button', { name: 'Show the map' }).click();
  const map = page.getByRole('img', { name: 'Map of 300 rows' });
  await expect(map).toBeVisible({ timeout: 90_000 });
  await expect(map).toHaveAttribute('data-points', '300');

  // The first row's point, where the app says it drew it.
  const [x = 0, y = 0] = ((await map.getAttribute('data-first-point')) ?? '').split(',').map(Number);
  const box = await map.boundingBox();
  await page.mouse.move((box?.x ?? 0) + x, (box?.y ?? 0) + y);
  const tooltip = page.getByRole('tooltip');
  await expect(tooltip).toContainText('Line 1');
  await expect(tooltip).toContainText((lines[0] ?? '').slice(0, 60));
});
