import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineErrorCode, Remedy } from '#shared/errors';
import { advice, cancelledError, EmbeddingError } from './errors';
import type { BinaryChoice, LoadStep } from './model';
import type { BuildType, Engine, GpuChoice } from '#shared/engine';

export type ProbeReport = { ok: true } | { ok: false; code: EngineErrorCode; message: string; remedy?: Remedy };

/** What the worker sends: each step of loading before it runs, then its report. */
export type ProbeMessage = { step: LoadStep } | { report: ProbeReport };

/** A started probe worker, whatever started it: node's child_process.fork (CLI, serve mode) or Electron's utilityProcess. */
export interface ProbeProcess {
  /** The worker's stderr, where llama.cpp writes why it aborted. */
  readonly stderr: NodeJS.ReadableStream | null;
  onMessage(listener: (message: unknown) => void): void;
  /** `how` it ended: a signal name (`SIGILL`) or `exit code N`. */
  onExit(listener: (how: string) => void): void;
  kill(): void;
}

/** Starts the probe worker (modelProbeWorker.ts, or its bundle) with these arguments. */
export type ProbeLauncher = (args: string[]) => ProbeProcess;

/** How to start the probe's worker with node: its file, and the Node flags it needs. */
export interface ProbeWorker {
  file: string;
  execArgv: string[];
}

/** The worker when running from a checkout: its TypeScript source, through tsx. The app bundle has its own. */
export const SOURCE_PROBE_WORKER: ProbeWorker = {
  file: join(dirname(fileURLToPath(import.meta.url)), 'modelProbeWorker.ts'),
  execArgv: ['--import', 'tsx'],
};

/**
 * The worker a build put in `dir` (the CLI's bundle folder, the app's out/main), or, where there is none (code run from
 * its source through tsx), SOURCE_PROBE_WORKER.
 */
export function probeWorkerIn(dir: string): ProbeWorker {
  const bundle = join(dir, 'modelProbeWorker.js');
  return existsSync(bundle) ? { file: bundle, execArgv: [] } : SOURCE_PROBE_WORKER;
}

/** Starts the worker as a child Node process (the CLI and serve mode run in Node). */
export function forkProbeWorker(worker: ProbeWorker): ProbeLauncher {
  return (args) => {
    const child = fork(worker.file, args, { execArgv: worker.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    return {
      stderr: child.stderr,
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code, signal) => listener(signal ?? `exit code ${code}`)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/** A probe started ahead of time, and the function that ends it if no probe asked for it. */
export interface PrestartedProbe {
  launch: ProbeLauncher;
  dispose(): void;
}

/**
 * Starts the first probe of `path` now (as `probeModel` will ask for it: this GPU choice, node-llama-cpp's binary), so
 * that it runs while the caller gets on with its own start (the CLI imports node-llama-cpp meanwhile, which takes
 * seconds). `launch` hands that process to the probe that asks for it, and starts any other.
 */
export function prestartProbe(launch: ProbeLauncher, path: string, gpu: GpuChoice): PrestartedProbe {
  const args = [path, gpu, 'auto'];
  const early = launch(args);
  const messages: unknown[] = [];
  let ended: string | null = null;
  let onMessage: ((message: unknown) => void) | null = null;
  let onExit: ((how: string) => void) | null = null;
  early.onMessage((message) => (onMessage ? onMessage(message) : messages.push(message)));
  early.onExit((how) => (onExit ? onExit(how) : (ended = how)));
  let taken = false;
  return {
    launch: (requested) => {
      if (taken || requested.join('\0') !== args.join('\0')) return launch(requested);
      taken = true;
      return {
        stderr: early.stderr,
        onMessage: (listener) => {
          onMessage = listener;
          for (const message of messages.splice(0)) listener(message);
        },
        onExit: (listener) => {
          if (ended === null) onExit = listener;
          else listener(ended);
        },
        kill: () => early.kill(),
      };
    },
    dispose: () => {
      if (!taken) early.kill();
    },
  };
}

/** Loading is bounded once the binary is loaded; before, node-llama-cpp may wait minutes for an engine build. */
const PROBE_TIMEOUT_MS = 5 * 60_000;

/** How one probe ended: the report, or the process died, and in which binary and engine it was then. */
export type ProbeOutcome =
  | { report: ProbeReport }
  | { died: string; buildType: BuildType | null; engine: Engine | null; stderr: string[]; timedOut: boolean };

export interface ProbeOptions {
  gpu: GpuChoice;
  /** Default `auto`: node-llama-cpp's choice. */
  binary?: BinaryChoice;
  /** Ends the probe; it then fails as cancelled. */
  signal?: AbortSignal;
}

/** Runs the worker once on `path` with this GPU and binary choice. */
export async function runProbe(path: string, launch: ProbeLauncher, options: ProbeOptions): Promise<ProbeOutcome> {
  if (options.signal?.aborted) throw cancelledError();
  const child = launch([path, options.gpu, options.binary ?? 'auto']);
  const stop = (): void => child.kill();
  options.signal?.addEventListener('abort', stop);
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  let buildType: BuildType | null = null;
  let engine: Engine | null = null;
  let timedOut = false;
  const ended = await new Promise<{ report: ProbeReport } | { died: string }>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.onMessage((message) => {
      const sent = message as ProbeMessage;
      if ('report' in sent) {
        clearTimeout(timer);
        resolve({ report: sent.report });
        child.kill();
      } else if ('buildType' in sent.step) {
        buildType = sent.step.buildType;
        timer ??= setTimeout(() => {
          timedOut = true;
          child.kill();
        }, PROBE_TIMEOUT_MS);
      } else {
        engine = sent.step.engine;
      }
    });
    child.onExit((how) => {
      clearTimeout(timer);
      resolve({ died: how });
    });
  });
  options.signal?.removeEventListener('abort', stop);
  if ('report' in ended) return ended;
  const lines = stderr
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return { died: ended.died, buildType, engine, stderr: lines, timedOut };
}

type Died = Extract<ProbeOutcome, { died: string }>;

/** What the probe found: the binary to load the model with, and what to tell the user where it is not the usual one. */
export interface ProbeResult {
  binary: BinaryChoice;
  notice?: string;
}

/**
 * Loads the model and embeds one text in a short-lived child process before it is loaded where the app or the CLI
 * lives: a native crash inside llama.cpp (SIGILL, SIGSEGV, an abort) then ends the child, not the caller. Where the
 * local build dies, the prebuilt binary is tried once: if it works, the model loads with it (and `notice` says so);
 * if it dies too, the file is damaged or unsupported. Errors the loader reports pass on as they are.
 */
export async function probeModel(path: string, launch: ProbeLauncher, options: ProbeOptions): Promise<ProbeResult> {
  const binary = options.binary ?? 'auto';
  const first = await runProbe(path, launch, { ...options, binary });
  if ('report' in first) {
    throwIfFailed(first.report);
    return { binary };
  }
  throwIfStopped(first, options.signal);
  if (binary === 'prebuilt' || first.buildType === 'prebuilt') throw damaged(path, [first]);
  const second = await runProbe(path, launch, { ...options, binary: 'prebuilt' });
  if ('died' in second) {
    throwIfStopped(second, options.signal);
    throw damaged(path, [first, second]);
  }
  throwIfFailed(second.report);
  return {
    binary: 'prebuilt',
    notice:
      `llama.cpp stopped (${first.died}) on ${path} with ${where(first)}; this run uses node-llama-cpp's prebuilt ` +
      'binary instead, which runs this model, more slowly. Run npm run build:engine to rebuild the engine for this machine.',
  };
}

/**
 * A probe ended by the caller, or from outside (Ctrl-C reaches the whole process group, the CLI's probe included), did
 * not crash: that is no reason to try another binary, nor to call the model damaged.
 */
function throwIfStopped(death: Died, signal: AbortSignal | undefined): void {
  if (signal?.aborted || ['SIGINT', 'SIGTERM', 'SIGHUP'].includes(death.died)) throw cancelledError();
  if (death.timedOut) {
    throw new EmbeddingError(
      'MODEL_LOAD_FAILED',
      `Loading and trying the model took over ${PROBE_TIMEOUT_MS / 60_000} minutes; it was stopped.`,
      advice('Try a smaller context size or another model file.'),
    );
  }
  // Exit code 1 before llama.cpp was loaded is Node's own for a worker whose code failed (not found, not built): no
  // model did that. A native crash ends a process by a signal, or (Electron's utility process) with another code.
  if (death.buildType === null && death.died === 'exit code 1') {
    const why = death.stderr.find((line) => /Error/.test(line)) ?? death.stderr.at(-1) ?? 'it said nothing';
    throw new Error(`The model probe's worker ended (${death.died}) before it loaded llama.cpp: ${why}`);
  }
}

/** The loader's own error (not a GGUF file, not an embedding model ...), as the worker reported it. */
function throwIfFailed(report: ProbeReport): void {
  if (!report.ok) throw new EmbeddingError(report.code, report.message, report.remedy);
}

function damaged(path: string, [first, second]: [Died, Died?]): EmbeddingError {
  const again = second ? `, and again (${second.died}) with ${where(second)}` : '';
  // llama.cpp's last words (an abort's message), from the last probe that left any.
  const native = [second, first].map((death) => death?.stderr.slice(-3).join(' ')).find(Boolean);
  return new EmbeddingError(
    'MODEL_UNSUPPORTED',
    `This model file is damaged or unsupported: llama.cpp stopped (${first.died}) while loading ${path} with ` +
      `${where(first)}${again}${native ? `: ${native}` : ''}.`,
    advice('Download the model again, or pick another file of the model; nothing else was affected.'),
  );
}

/** `the local build of llama.cpp and the batched engine`: where a probe was when it died. */
function where(death: Died): string {
  const binary =
    death.buildType === 'localBuild'
      ? 'the local build of llama.cpp'
      : death.buildType === 'prebuilt'
        ? "node-llama-cpp's prebuilt binary"
        : 'the llama.cpp binary';
  return `${binary}${death.engine ? ` and the ${death.engine} engine` : ''}`;
}
