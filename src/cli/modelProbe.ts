import { statSync } from 'node:fs';
import { forkProbeWorker, prestartProbe, probeWorkerIn, type PrestartedProbe } from '#core/modelProbe';
import { DEFAULT_GPU } from '#shared/engine';
import type { ModelCommandOptions } from './args';

/**
 * The child process that tries --model before this process loads it. Where --model names a file that is there, its
 * probe starts at once and runs while this process loads node-llama-cpp (seconds); a model to download is probed after.
 */
export function startModelProbe(options: Pick<ModelCommandOptions, 'model' | 'gpu'>): PrestartedProbe {
  // The CLI's bundle (scripts/buildCli.mjs) has the worker's beside it.
  const launch = forkProbeWorker(probeWorkerIn(import.meta.dirname));
  if (!statSync(options.model, { throwIfNoEntry: false })?.isFile()) return { launch, dispose: () => undefined };
  return prestartProbe(launch, options.model, options.gpu ?? DEFAULT_GPU);
}
