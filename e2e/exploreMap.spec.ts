import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { embedInApp } from './appRun';
import { loadFixtures } from './fixtures';

test('Explore maps a finished run: one point per row, hover shows a line, a click its neighbours, a lasso exports lines', async ({
  page,
}) => {
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

  await embedInApp(page, fixtures.model, input, output);
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

  // A click shows the point's neighbours.
  await page.mouse.click((box?.x ?? 0) + x, (box?.y ?? 0) + y);
  await expect(page.getByRole('heading', { name: 'Neighbours of line 1' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Neighbours' }).getByRole('listitem')).toHaveCount(10);

  // Shift+drag around the whole map selects every line; Export lines writes them, one a line.
  const left = box?.x ?? 0;
  const top = box?.y ?? 0;
  const right = left + (box?.width ?? 0) - 1;
  const bottom = top + (box?.height ?? 0) - 1;
  await page.keyboard.down('Shift');
  await page.mouse.move(left + 1, top + 1);
  await page.mouse.down();
  for (const [px, py] of [
    [right, top + 1],
    [right, bottom],
    [left + 1, bottom],
    [left + 1, top + 2],
  ] as const)
    await page.mouse.move(px, py, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.getByText('300 lines selected.')).toBeVisible();
  const exported = join(dir, 'lines.txt');
  await page.getByLabel('Lines file').fill(exported);
  await page.getByRole('button', { name: 'Export lines' }).click();
  await expect(page.getByText(`Written to ${exported}`)).toBeVisible();
  expect(readFileSync(exported, 'utf8')).toBe(lines.map((_, at) => `${at + 1}\n`).join(''));
});
