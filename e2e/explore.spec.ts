import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { E2E_TOKEN, loadFixtures } from './fixtures';

/** Whether the document itself can scroll: the views must fit the window, their columns scroll instead. */
function documentOverflows(page: Page): Promise<{ x: boolean; y: boolean }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    return { x: root.scrollWidth > window.innerWidth, y: root.scrollHeight > window.innerHeight };
  });
}

/** Inside the window, not below or beside it. */
async function expectInWindow(selector: Locator): Promise<void> {
  const box = await selector.boundingBox();
  expect(box).not.toBeNull();
  expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(800);
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
}

test('runs a job in a 1280×800 window that never scrolls, then Explore finds a line by its own text first', async ({
  page,
}, testInfo) => {
  const fixtures = loadFixtures();
  const lines = readFileSync(fixtures.input, 'utf8').split('\n');
  // A line whose text no other line has, so that it alone scores 1.
  const index = lines.findIndex(
    (text, at) => at > 100 && text.trim() && lines.indexOf(text) === lines.lastIndexOf(text),
  );
  const wanted = { line: index + 1, text: lines[index] ?? '' };

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/#token=${E2E_TOKEN}`);
  await expect(page.getByRole('heading', { name: 'Embedding Studio' })).toBeVisible();
  const views = page.getByRole('navigation', { name: 'Views' });
  await expect(views.getByRole('button', { name: 'Embed' })).toHaveAttribute('aria-current', 'page');

  await page.getByLabel('Model file').fill(fixtures.model);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert', { timeout: 60_000 });
  await page.getByLabel('Input file').fill(fixtures.input);
  await page.getByLabel('Input file').press('Enter');
  await expect(page.getByLabel('About the input')).toBeVisible();
  await page.getByLabel('Batch size').fill('16');
  const output = join(mkdtempSync(join(fixtures.dir, 'explore-')), 'reviews.jsonl');
  await page.getByLabel('Output file').fill(output);

  // Embed: the form, Start and the charts are in the window, and the page does not scroll.
  expect(await documentOverflows(page)).toEqual({ x: false, y: false });
  await expectInWindow(page.getByRole('button', { name: 'Start', exact: true }));
  await expectInWindow(page.getByRole('img', { name: /^Throughput over time/ }));
  await expectInWindow(page.getByRole('img', { name: /^Memory over time/ }));
  await page.screenshot({ path: testInfo.outputPath('1-embed-1280x800.png') });

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByText(output, { exact: true })).toBeVisible({ timeout: 90_000 });
  expect(await documentOverflows(page)).toEqual({ x: false, y: false });
  await page.screenshot({ path: testInfo.outputPath('2-embed-done.png') });

  await page.getByRole('button', { name: 'Explore this output' }).click();
  await expect(views.getByRole('button', { name: 'Explore' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByLabel('Embeddings file')).toHaveValue(output);
  await expect(page.getByLabel('About the embeddings')).toContainText(fixtures.embeddableLines.toLocaleString('en-US'));

  // The shortcuts: Ctrl+1 and Ctrl+2 for the views, then / back to Explore's search box, the output still open.
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeVisible();
  await page.keyboard.press('Control+2');
  await expect(page.getByRole('heading', { name: '4. Run' })).toBeVisible();
  await page.keyboard.press('/');
  const query = page.getByLabel('Search by meaning');
  await expect(query).toBeFocused();
  await expect(page.getByLabel('Embeddings file')).toHaveValue(output);
  await expect(page.getByLabel('Query prefix')).toHaveValue('');

  await query.fill(wanted.text);
  await query.press('Enter');
  const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  await expect(results.first()).toContainText(wanted.text, { timeout: 60_000 });
  await expect(results).toHaveCount(10);
  const wantedLine = wanted.line.toLocaleString('en-US');
  await expect(results.first().locator('.line-number')).toHaveText(`Neighbours of line ${wantedLine}`);
  const score = Number(await results.first().locator('.score').textContent());
  expect(score).toBeGreaterThan(0.999);
  expect(await documentOverflows(page)).toEqual({ x: false, y: false });
  await page.screenshot({ path: testInfo.outputPath('3-explore.png') });

  // A result's line lists the rows nearest to it, itself left out.
  await results
    .first()
    .getByRole('button', { name: `Neighbours of line ${wantedLine}` })
    .click();
  await expect(page.getByRole('heading', { name: `Neighbours of line ${wantedLine}` })).toBeVisible();
  const neighbours = page.getByRole('list', { name: 'Neighbours' }).getByRole('listitem');
  await expect(neighbours).toHaveCount(10);
  await expect(
    neighbours.locator('.line-number', { hasText: new RegExp(`^Neighbours of line ${wantedLine}$`) }),
  ).toHaveCount(0);
});
