import { utilityProcess } from 'electron';
import type { ProbeLauncher } from '#core/modelProbe';

/**
 * The probe's V8 heap limit. It bounds the JavaScript side only (node-llama-cpp's objects, the worker's own); llama.cpp's
 * memory (the model's weights, mapped from the file, and its contexts) is native and is not bounded by it.
 */
export const PROBE_HEAP_MB = 512;

/**
 * Starts the model probe's worker (the bundled modelProbeWorker.js) in an Electron utility process: a plain Node
 * process needs ELECTRON_RUN_AS_NODE, which the packaged app's fuses turn off. A process that ends without a report is
 * told by its exit code, which is all a utility process gives.
 */
export function utilityProbeLauncher(workerFile: string): ProbeLauncher {
  return (args) => {
    const child = utilityProcess.fork(workerFile, args, {
      serviceName: 'Embedding Studio model probe',
      stdio: ['ignore', 'ignore', 'pipe'],
      execArgv: [`--max-old-space-size=${PROBE_HEAP_MB}`],
    });
    return {
      stderr: child.stderr,
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(`exit code ${code}`)),
      kill: () => {
        child.kill();
      },
    };
  };
}
