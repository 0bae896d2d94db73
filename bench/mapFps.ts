/**
 * `npm run bench:map`: how smoothly the app's map pans and zooms. Writes an output of generated clustered vectors (384
 * dimensions, 100,000 rows by default) with its run record, makes its map (kept in `<output>.map.json`, which the app
 * then reads), opens it in Explore in serve mode with the real renderer in Debian's Chromium (WebGL2 on Chromium's
 * software renderer: there is no GPU here), and zooms with the wheel, then drags, while requestAnimationFrame records
 * every frame the page draws. Prints the frames a second and the median and 95th-percentile frame times.
 *
 * Options: --rows N (100000), --steps N (120 wheel steps, then as many drag steps). Needs Debian's chromium (or
 * CHROMIUM_PATH).
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from '@playwright/test';
import { outputMap } from '#core/search/outputMap';
import { clusteredVectorBlocks, writeVectorOutput, type VectorRow } from '../test/support/vectorOutputs';
import { median } from './rounds';
import { buildRendererOnce, launchChromium, startServer } from './serveMode';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '100000' }, steps: { type: 'string', default: '120' } },
});
const rows = Number(values.rows);
const steps = Number(values.steps);
const dimensions = 384;
const token = 'bench-map-token-0123456789';
const work = join(tmpdir(), 'embedding-studio-bench-map');
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function* blocks(): Generator<VectorRow[]> {
  let line = 0;
  for (const vectors of clusteredVectorBlocks(rows, dimensions, 1000, 7)) {
    const block: VectorRow[] = [];
    for (let at = 0; at < vectors.length; at += dimensions) {
      line += 1;
      block.push({ line, text: `generated text ${line}`, embedding: vectors.slice(at, at + dimensions) });
    }
    yield block;
  }
}

/**
 * Records every frame the page draws, from RECORD_FRAMES to STOP_RECORDING. A script of its own text: tsx names the functions it
 * compiles with a helper the page does not have.
 */
const RECORD_FRAMES = `(() => {
  const state = { frames: [], running: true };
  window.benchFrames = state;
  requestAnimationFrame(function step(now) {
    state.frames.push(now);
    if (state.running) requestAnimationFrame(step);
  });
})()`;
const STOP_RECORDING = `(() => {
  window.benchFrames.running = false;
  return window.benchFrames.frames;
})()`;

/** The times between the frames the page draws while `act` runs, in milliseconds. */
async function frameTimes(page: Page, act: () => Promise<void>): Promise<number[]> {
  await page.evaluate(RECORD_FRAMES);
  await act();
  const stamps = await page.evaluate<number[]>(STOP_RECORDING);
  return stamps.slice(1).map((stamp, i) => stamp - (stamps[i] ?? stamp));
}

function report(what: string, times: number[]): void {
  const total = times.reduce((sum, time) => sum + time, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
  console.log(
    `| ${what} | ${times.length} | ${((1000 * times.length) / total).toFixed(1)} | ${median(times).toFixed(1)} ms | ` +
      `${p95.toFixed(1)} ms |`,
  );
}

await buildRendererOnce();
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const output = join(work, 'vectors.npy');
let started = performance.now();
await writeVectorOutput(output, 'npy', blocks(), dimensions);
console.log(`Map frame rate: ${rows.toLocaleString('en')} rows of ${dimensions} dimensions`);
console.log(`output written: ${seconds(started)}`);
started = performance.now();
await outputMap(output);
console.log(`map made: ${seconds(started)}\n`);

const server = await startServer(work, token);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(server.url);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Explore' }).click();
  await page.getByLabel('Embeddings file').fill(output);
  await page.getByLabel('Embeddings file').press('Enter');
  await page.getByRole('button', { name: 'Show the map' }).click();
  const map = page.getByRole('img', { name: `Map of ${rows.toLocaleString('en-US')} rows` });
  await map.waitFor({ timeout: 300_000 });
  const box = await map.boundingBox();
  const x = (box?.x ?? 0) + (box?.width ?? 0) / 2;
  const y = (box?.y ?? 0) + (box?.height ?? 0) / 2;
  await page.mouse.move(x, y);

  console.log('| gesture | frames | frames a second | median frame | 95th percentile |');
  console.log('|---|---|---|---|---|');
  const zoom = await frameTimes(page, async () => {
    for (let step = 0; step < steps; step += 1) await page.mouse.wheel(0, step % 40 < 20 ? -60 : 60);
  });
  report('zoom (wheel)', zoom);
  const pan = await frameTimes(page, async () => {
    await page.mouse.down();
    for (let step = 0; step < steps; step += 1)
      await page.mouse.move(x + 150 * Math.sin(step / 10), y + 100 * Math.cos(step / 10));
    await page.mouse.up();
  });
  report('pan (drag)', pan);
  console.log('\nTarget: at least 50 frames a second at 100,000 rows (issue 14).');
} finally {
  await browser.close();
  server.stop();
  await rm(work, { recursive: true, force: true });
}
