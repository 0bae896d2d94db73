import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { embedInApp } from './appRun';
import { loadFixtures } from './fixtures';

test('Explore builds a finished run’s index, finds a line and its copy as duplicates, and exports them', async ({
  page,
}) => {
  const fixtures = loadFixtures();
  const dir = mkdtempSync(join(fixtures.dir, 'duplicates-'));
  // 100 distinct lines, then a copy of the first: line 101.
  const lines = [
    ...new Set(
      readFileSync(fixtures.input, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ].slice(0, 100);
  const input = join(dir, 'reviews.txt');
  writeFileSync(input, `${[...lines, lines[0]].join('\n')}\n`);
  const output = join(dir, 'reviews.jsonl');

  await embedInApp(page, fixtures.model, input, output);
  await page.getByRole('button', { name: 'Explore this output' }).click();

  await expect(page.getByText('No index yet')).toBeVisible();
  await page.getByRole('button', { name: 'Build the index' }).click();
  await expect(page.getByText('from 101 rows.')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Rebuild the index' })).toBeEnabled();

  // At 1, only rows of the same text (or the same vector) are alike.
  await page.getByLabel('Threshold (cosine similarity)').fill('1');
  await page.getByRole('button', { name: 'Find duplicates' }).click();
  await expect(page.getByText(/rows to keep\./)).toBeVisible({ timeout: 60_000 });
  const first = page.getByRole('list', { name: 'Duplicate groups' }).getByRole('listitem').first();
  await expect(first).toContainText('Same text, 2 rows');
  await expect(first).toContainText((lines[0] ?? '').slice(0, 60));

  const groups = join(dir, 'groups.jsonl');
  await page.getByLabel('Export to').fill(groups);
  await page.getByRole('button', { name: 'Export groups' }).click();
  await expect(page.getByText(`Groups written to ${groups}`)).toBeVisible();
  expect(readFileSync(groups, 'utf8').split('\n')[0]).toBe('{"lines":[1,101],"min_score":1,"exact":true}');
  const keep = join(dir, 'keep.txt');
  await page.getByLabel('Export to').fill(keep);
  await page.getByRole('button', { name: 'Export rows to keep' }).click();
  await expect(page.getByText(`Rows to keep written to ${keep}`)).toBeVisible();
  const kept = readFileSync(keep, 'utf8').trimEnd().split('\n');
  expect(kept).toContain('1');
  expect(kept).not.toContain('101');

  // A line of a group lists its neighbours.
  await first.getByRole('button', { name: 'Neighbours of line 101' }).click();
  await expect(page.getByRole('heading', { name: 'Neighbours of line 101' })).toBeVisible();
});
