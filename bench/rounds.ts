import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import type { TimeSplit } from '#shared/engine';
import type { MeasureRequest, MeasureResult } from './measure';

const run = promisify(execFile);
const MEASURER_DIR = join('.cache', 'bench');

/**
 * bench/measure.ts bundled into one plain JavaScript file (its dependencies, node-llama-cpp first, stay in
 * node_modules), as the app's main process is: run through tsx instead, every measurement would also carry tsx's
 * loader thread and compiler (~40 MiB of RSS).
 */
let measurer: Promise<string> | null = null;
function bundledMeasurer(): Promise<string> {
  measurer ??= build({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: 'bench/measure.ts',
      outDir: MEASURER_DIR,
      emptyOutDir: true,
      target: 'node20',
      rolldownOptions: { output: { format: 'es', entryFileNames: 'measure.mjs' } },
    },
  }).then(() => join(MEASURER_DIR, 'measure.mjs'));
  return measurer;
}

export interface BenchConfig {
  label: string;
  request: MeasureRequest;
  /** Extra environment of the measuring process. */
  env?: Record<string, string>;
}

export interface BenchRow {
  label: string;
  /** What the measuring process says it ran. */
  ran: string;
  textsPerSecond: number;
  tokensPerSecond: number;
  peakRssBytes: number;
}

/** One measurement in a process of its own, so that its peak memory is its own. */
export async function measure(request: MeasureRequest, env: Record<string, string> = {}): Promise<MeasureResult> {
  const { stdout } = await run(process.execPath, [await bundledMeasurer(), JSON.stringify(request)], {
    maxBuffer: 1 << 20,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as MeasureResult;
}

export const textsPerSecond = (result: MeasureResult): number => result.texts / result.seconds;

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Measures every configuration once per round, rounds interleaved so that a slow spell of a shared machine hits them
 * all alike. A configuration that fails (its build is missing, say) is reported once and left out from then on.
 */
export async function runRounds(configs: BenchConfig[], rounds: number): Promise<Map<string, MeasureResult[]>> {
  const results = new Map<string, MeasureResult[]>(configs.map((config) => [config.label, []]));
  const failed = new Set<string>();
  for (let round = 1; round <= rounds; round += 1) {
    for (const config of configs) {
      if (failed.has(config.label)) continue;
      try {
        const result = await measure(config.request, config.env);
        results.get(config.label)?.push(result);
        console.log(`  round ${round}: ${config.label}: ${textsPerSecond(result).toFixed(1)} texts/s (${result.ran})`);
      } catch (error) {
        failed.add(config.label);
        const message = error instanceof Error ? error.message : String(error);
        const reason = message.split('\n').find((line) => /error/i.test(line)) ?? message.split('\n')[0];
        console.log(`  ${config.label}: not measured (${reason?.trim()})`);
      }
    }
  }
  return results;
}

/** The medians of each measured configuration, printed as a table with each one's speed relative to `baseline`. */
export function printMedians(
  configs: BenchConfig[],
  results: Map<string, MeasureResult[]>,
  rounds: number,
  baseline: string,
): BenchRow[] {
  const rows = configs.flatMap(({ label }): BenchRow[] => {
    const runs = results.get(label) ?? [];
    if (runs.length === 0) return [];
    return [
      {
        label,
        ran: runs[0]?.ran ?? '',
        textsPerSecond: median(runs.map(textsPerSecond)),
        tokensPerSecond: median(runs.map((r) => r.tokens / r.seconds)),
        peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
      },
    ];
  });
  const base = rows.find((row) => row.label === baseline)?.textsPerSecond ?? Number.NaN;
  console.log(`\nMedians of ${rounds} interleaved rounds:`);
  console.log(`| configuration | what ran | texts/s | tokens/s | peak RSS | vs ${baseline} |`);
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const relative = Number.isFinite(base) ? `${(row.textsPerSecond / base).toFixed(2)}x` : '-';
    console.log(
      `| ${row.label} | ${row.ran} | ${row.textsPerSecond.toFixed(1)} | ${row.tokensPerSecond.toFixed(0)} | ${mib(row.peakRssBytes)} | ${relative} |`,
    );
  }
  return rows;
}

const PHASES: ReadonlyArray<[keyof TimeSplit, string]> = [
  ['tokenizeMs', 'tokenize'],
  ['decodeMs', 'decode'],
  ['readOutMs', 'read-out'],
  ['writeMs', 'write'],
  ['idleMs', 'idle'],
];

/**
 * Where each engine configuration's time went (see TimeSplit), from its run of median wall time, so that the phases
 * add up to that run's time: milliseconds and shares.
 */
export function printTimeSplits(configs: BenchConfig[], results: Map<string, MeasureResult[]>): void {
  const rows = configs.flatMap(({ label }) => {
    const runs = (results.get(label) ?? []).filter((run) => run.time);
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    const run = sorted[Math.floor((sorted.length - 1) / 2)];
    return run?.time ? [{ label, ms: run.seconds * 1000, time: run.time }] : [];
  });
  if (rows.length === 0) return;
  console.log(`\nWhere the engine's time goes (the run of median time; ms and share of it):`);
  console.log(`| configuration | time | ${PHASES.map(([, name]) => name).join(' | ')} |`);
  console.log(`|---|---|${PHASES.map(() => '---|').join('')}`);
  for (const { label, ms, time } of rows) {
    const cells = PHASES.map(([key]) => `${time[key].toFixed(0)} (${((100 * time[key]) / ms).toFixed(1)}%)`);
    console.log(`| ${label} | ${ms.toFixed(0)} ms | ${cells.join(' | ')} |`);
  }
}
