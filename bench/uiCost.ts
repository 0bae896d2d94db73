/**
 * `npm run bench:ui`: what the desktop UI costs. Embeds the same 2,000 lines with the bge-small-shaped model through
 * the CLI alone and through the app in serve mode with the real renderer attached in Chromium, rounds interleaved,
 * and prints the engine's throughput both ways and the renderer's long tasks (main-thread work over 50 ms).
 *
 * Options: --rounds N (3), --lines N (2000). Needs Debian's chromium (or CHROMIUM_PATH).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { JobState } from '#shared/contract';
import { SERVE } from '#shared/protocol';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath } from '../test/support/testModels';
import { median } from './rounds';
import { buildRendererOnce, launchChromium, startServer } from './serveMode';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, lines: { type: 'string', default: '2000' } },
});
const rounds = Number(values.rounds);
const lineCount = Number(values.lines);
const token = 'bench-ui-token-0123456789';
const work = join(tmpdir(), 'embedding-studio-bench-ui');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });

async function cliRate(model: string, input: string): Promise<number> {
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    'src/cli/index.ts',
    'embed',
    '--model',
    model,
    '--input',
    input,
    '--output',
    join(work, 'cli.npy'),
    '--overwrite',
    '--batch-size',
    '32',
    '--json',
  ]);
  const summary = JSON.parse(stdout) as { stats: { textsPerSecond: number } };
  return summary.stats.textsPerSecond;
}

async function uiRun(
  url: string,
  model: string,
  input: string,
  round: number,
): Promise<{ rate: number; longTasks: number[] }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(() => {
      const tasks: number[] = [];
      Object.assign(window, { longTasks: tasks });
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => tasks.push(entry.duration))).observe({
        type: 'longtask',
        buffered: true,
      });
    });
    await page.goto(url);
    await page.getByLabel('Model file').fill(model);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.getByLabel('Loaded model').filter({ hasText: 'bge-small-shape' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Input file').fill(input);
    await page.getByLabel('Input file').press('Enter');
    await page.getByLabel('About the input').waitFor();
    await page.getByLabel('Batch size').fill('32');
    const output = join(work, `ui-${round}.npy`);
    await page.getByLabel('Output file').fill(output);
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks.length = 0));
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByLabel('Run totals').waitFor({ timeout: 600_000 });
    const longTasks = await page.evaluate(() => [...(window as unknown as { longTasks: number[] }).longTasks]);
    const reply = (await page.evaluate(
      async ({ path, header, value }) =>
        (
          await fetch(path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [header]: value },
            body: JSON.stringify({ name: 'job:state', params: {} }),
          })
        ).json() as Promise<unknown>,
      { path: SERVE.requestPath, header: SERVE.tokenHeader, value: token },
    )) as { ok: boolean; value: JobState };
    return { rate: reply.value.summary?.stats.textsPerSecond ?? 0, longTasks };
  } finally {
    await browser.close();
  }
}

await buildRendererOnce();
const model = await testModelPath(BGE_SMALL_SHAPE);
const input = join(work, `corpus-${lineCount}.txt`);
await writeFile(input, corpusLines(lineCount, 42, 10, 40).join('\n'));
console.log(`UI cost: ${lineCount} lines, bge-small-shaped model, batch size 32, ${rounds} interleaved rounds`);

const server = await startServer(work, token);
const cli: number[] = [];
const ui: number[] = [];
const longTasks: number[] = [];
try {
  for (let round = 1; round <= rounds; round += 1) {
    cli.push(await cliRate(model, input));
    const result = await uiRun(server.url, model, input, round);
    ui.push(result.rate);
    longTasks.push(...result.longTasks);
    console.log(
      `  round ${round}: CLI ${cli.at(-1)?.toFixed(1)} texts/s, app ${result.rate.toFixed(1)} texts/s, ${result.longTasks.length} long tasks`,
    );
  }
} finally {
  server.stop();
}
const ratio = median(ui) / median(cli);
console.log(
  `\n| | texts/s (median) |\n|---|---|\n| CLI alone | ${median(cli).toFixed(1)} |\n| app in serve mode, renderer attached | ${median(ui).toFixed(1)} |`,
);
console.log(`App / CLI: ${ratio.toFixed(3)} (target: at least 0.95)`);
console.log(
  `Renderer long tasks over 50 ms: ${longTasks.length} in ${rounds} runs, longest ${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0} ms (target: none over 100 ms)`,
);
