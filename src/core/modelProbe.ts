import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddingError, type EmbeddingErrorCode } from './errors';

export type ProbeReport = { ok: true } | { ok: false; code: EmbeddingErrorCode; message: string; hint?: string };

const PROBE_TIMEOUT_MS = 5 * 60_000;

/** How to start the probe's worker: its file, and the Node flags it needs. */
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
 * Loads the model and embeds one text in a short-lived child process before it is loaded where the app lives: a
 * native abort inside llama.cpp (a damaged or unsupported file) then ends the child, not the app, and becomes an error.
 */
export async function probeModel(path: string, worker: ProbeWorker): Promise<void> {
  const child = fork(worker.file, [path], {
    execArgv: worker.execArgv,
    // In Electron's main process, execPath is Electron itself: this makes it behave as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const report = await new Promise<ProbeReport | { crashed: string }>((resolve) => {
    let answer: ProbeReport | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('message', (message: ProbeReport) => (answer = message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(answer ?? { crashed: signal ?? `exit code ${code}` });
    });
  });
  if ('crashed' in report) {
    const native = stderr.join('').split('\n').map((line) => line.trim()).filter(Boolean).slice(-3).join(' ');
    throw new EmbeddingError(
      'MODEL_UNSUPPORTED',
      `This model file is damaged or unsupported: llama.cpp stopped (${report.crashed}) while loading ${path}${native ? `: ${native}` : ''}.`,
      'Download the model again, or pick another file of the model; the app itself was not affected.',
    );
  }
  if (!report.ok) throw new EmbeddingError(report.code, report.message, report.hint);
}
