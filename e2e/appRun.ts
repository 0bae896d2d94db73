import { expect, type Page } from '@playwright/test';
import { E2E_TOKEN } from './fixtures';

/** Opens the app in serve mode, loads the test model and embeds `input` into `output`, waiting for the run's end. */
export async function embedInApp(page: Page, model: string, input: string, output: string): Promise<void> {
  await page.goto(`/#token=${E2E_TOKEN}`);
  await page.getByLabel('Model file').fill(model);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByLabel('Loaded model')).toContainText('tiny-bert', { timeout: 60_000 });
  await page.getByLabel('Input file').fill(input);
  await page.getByLabel('Input file').press('Enter');
  await expect(page.getByLabel('About the input')).toBeVisible();
  await page.getByLabel('Output file').fill(output);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByText(output, { exact: true })).toBeVisible({ timeout: 90_000 });
}
