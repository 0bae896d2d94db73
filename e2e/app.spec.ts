import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN, loadFixtures, type E2eFixtures } from './fixtures';

let fixtures: E2eFixtures;
test.beforeAll(() => {
  fixtures = loadFixtures();
});

async function open(page: Page): Promise<void> {
  await page.goto(`/#token=${E2E_TOKEN}`);
  await expect(page.getByRole('heading', { name: 'Embedding Studio' })).toBeVisible();
}

/** Loads a model and waits until loading is over (the file is first tried in a child process, so it takes a moment). */
async function loadModel(page: Page, path: string): Promise<void> {
  await page.getByLabel('Model file').fill(path);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const loading = page.getByRole('status').filter({ hasText: 'Loading the model' });
  await expect(loading).toBeVisible();
  await expect(loading).toBeHidden({ timeout: 60_000 });
}

async function chooseInput(page: Page, path: string): Promise<void> {
  await page.getByLabel('Input file').fill(path);
  await page.getByLabel('Input file').press('Enter');
}

function chartPoints(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((element) => Number(element.getAttribute('data-points') ?? 0));
}

function outputFolder(): string {
  return mkdtempSync(join(fixtures.dir, 'out-'));
}

test('embeds a file from start to finish and saves one row per embeddable line', async ({ page }, testInfo) => {
  await open(page);
  await page.screenshot({ path: testInfo.outputPath('1-empty.png'), fullPage: true });

  await loadModel(page, fixtures.model);
  const model = page.getByRole('definition').filter({ hasText: 'tiny-bert' });
  await expect(model).toBeVisible();
  await expect(page.getByLabel('Loaded model')).toContainText('32');

  await chooseInput(page, fixtures.input);
  await expect(page.getByLabel('About the input')).toContainText(fixtures.inputLines.toLocaleString('en-US'));

  await page.getByLabel('Batch size').fill('8');
  const output = join(outputFolder(), 'reviews.jsonl');
  await page.getByLabel('Output file').fill(output);
  await page.screenshot({ path: testInfo.outputPath('2-ready.png'), fullPage: true });

  await page.getByRole('button', { name: 'Start' }).click();
  const progress = page.getByRole('progressbar', { name: 'Lines embedded' });
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  const throughputBefore = await chartPoints(page, 'throughput-chart');
  await expect.poll(() => chartPoints(page, 'throughput-chart')).toBeGreaterThan(throughputBefore);
  await expect.poll(() => chartPoints(page, 'memory-chart')).toBeGreaterThan(1);
  await page.screenshot({ path: testInfo.outputPath('3-running.png'), fullPage: true });

  await expect(page.getByText('Done', { exact: true })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByLabel('Run totals')).toContainText(fixtures.embeddableLines.toLocaleString('en-US'));
  await page.screenshot({ path: testInfo.outputPath('4-done.png'), fullPage: true });

  const rows = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { line: number; embedding: number[] });
  expect(rows).toHaveLength(fixtures.embeddableLines);
  expect(rows.every((row) => row.embedding.length === 32)).toBe(true);
  expect(rows.map((row) => row.line)).toEqual([...rows.map((row) => row.line)].sort((a, b) => a - b));
});

test('says a file is not a model, and stays usable', async ({ page }, testInfo) => {
  await open(page);
  await loadModel(page, fixtures.notAModel);
  const error = page.getByRole('alert').filter({ hasText: 'not a GGUF model file' });
  await expect(error).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('bad-model.png'), fullPage: true });

  await loadModel(page, fixtures.model);
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert');
  await expect(error).toBeHidden();
});

test('cancelling mid-run leaves no file under the final name', async ({ page }, testInfo) => {
  await open(page);
  await loadModel(page, fixtures.model);
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert');
  await chooseInput(page, fixtures.bigInput);
  await expect(page.getByLabel('About the input')).toBeVisible();
  const folder = outputFolder();
  const output = join(folder, 'big.parquet');
  await page.getByLabel('Output file').fill(output);

  await page.getByRole('button', { name: 'Start' }).click();
  const progress = page.getByRole('progressbar', { name: 'Lines embedded' });
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(500);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByText('The run was cancelled')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('cancelled.png'), fullPage: true });

  expect(existsSync(output)).toBe(false);
  expect(readdirSync(folder)).toEqual([]);
});

test('offers to resume a run that stopped early, and resuming finishes it with every line once', async ({
  page,
}, testInfo) => {
  await open(page);
  await loadModel(page, fixtures.model);
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert');
  await chooseInput(page, fixtures.input);
  await expect(page.getByLabel('About the input')).toContainText(fixtures.inputLines.toLocaleString('en-US'));
  await page.getByLabel('Batch size').fill('8');
  // Any process is over 1 MiB: the run stops after its first batch, keeping it.
  await page.getByLabel('Memory limit').fill('1');
  const folder = outputFolder();
  const output = join(folder, 'stopped.jsonl');
  await page.getByLabel('Output file').fill(output);

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByText('The run failed')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'over the memory limit of 1 MiB' })).toContainText(
    'press Resume unfinished run',
  );
  const offer = page.getByRole('region', { name: 'Unfinished run' });
  await expect(offer).toContainText('An unfinished run of this output stopped after line');
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('resume-offered.png'), fullPage: true });

  await page.getByLabel('Memory limit').fill('');
  await offer.getByRole('button', { name: 'Resume unfinished run' }).click();
  await expect(page.getByText('Done', { exact: true })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByLabel('Run totals')).toContainText('Resumed');
  await expect(offer).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('resumed.png'), fullPage: true });

  const expected = readFileSync(fixtures.input, 'utf8')
    .split('\n')
    .flatMap((text, index) => (text.trim() ? [index + 1] : []));
  const rows = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { line: number });
  expect(rows).toHaveLength(fixtures.embeddableLines);
  expect(rows.map((row) => row.line)).toEqual(expected);
  expect(readdirSync(folder).filter((name) => /\.(partial|checkpoint)$/.test(name))).toEqual([]);
});
