import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * node-llama-cpp's local builds: `<package>/llama/localBuilds/<build>`. While one is built (`npm run build:engine`) it
 * holds `<build>.lock` beside it, a directory whose modification time proper-lockfile renews every 5 s; node-llama-cpp
 * takes a lock untouched for 10 s as stale. Loading a binary waits, without a word, until the lock is released.
 */
export function localBuildsDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('node-llama-cpp')), '..', 'llama', 'localBuilds');
}

const LOCK_STALE_MS = 10_000;

/** The lock a build of node-llama-cpp in progress holds in `dir`, or null where none is held. */
export function heldBuildLock(dir: string = localBuildsDir()): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names.filter((entry) => entry.endsWith('.lock'))) {
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs < LOCK_STALE_MS) return path;
    } catch {
      // released while we looked
    }
  }
  return null;
}

export function buildWaitMessage(lock: string): string {
  return (
    `Waiting for the engine build under way (npm run build:engine; it holds ${lock}) to finish: node-llama-cpp loads ` +
    'no binary before it is done, which can take a few minutes.'
  );
}

export interface WatchOptions {
  /** Where the builds are; default: node-llama-cpp's. */
  dir?: string;
  intervalMs?: number;
}

/**
 * Tells `onWaiting` once, the moment a build of node-llama-cpp holds its lock (checked now and every `intervalMs` until
 * stopped). Returns the function that stops watching.
 */
export function watchEngineBuild(onWaiting: (message: string) => void, options: WatchOptions = {}): () => void {
  const dir = options.dir ?? localBuildsDir();
  const check = (): boolean => {
    const lock = heldBuildLock(dir);
    if (lock) onWaiting(buildWaitMessage(lock));
    return lock !== null;
  };
  if (check()) return () => undefined;
  const timer = setInterval(() => {
    if (check()) clearInterval(timer);
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
