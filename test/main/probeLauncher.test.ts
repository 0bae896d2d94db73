import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { runProbe } from '#core/modelProbe';

class FakeUtilityProcess extends EventEmitter {
  readonly stderr = new PassThrough();
  killed = false;
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

const forks = vi.hoisted(
  () =>
    [] as Array<{ modulePath: string; args: string[]; options: Record<string, unknown>; child: FakeUtilityProcess }>,
);

vi.mock('electron', () => ({
  utilityProcess: {
    fork: (modulePath: string, args: string[], options: Record<string, unknown>) => {
      const child = new FakeUtilityProcess();
      forks.push({ modulePath, args, options, child });
      return child;
    },
  },
}));

const { PROBE_HEAP_MB, utilityProbeLauncher } = await import('../../src/main/probeLauncher');

describe('the app’s probe launcher', () => {
  it('starts the worker in a utility process with a capped JS heap, never as Electron run as Node', async () => {
    const launch = utilityProbeLauncher('/app/out/main/modelProbeWorker.js');
    const probing = runProbe('/models/mini.gguf', launch, { gpu: 'cpu', binary: 'auto' });
    const [started] = forks.splice(0);
    expect(started).toMatchObject({
      modulePath: '/app/out/main/modelProbeWorker.js',
      args: ['/models/mini.gguf', 'cpu', 'auto'],
      options: { execArgv: [`--max-old-space-size=${PROBE_HEAP_MB}`], stdio: ['ignore', 'ignore', 'pipe'] },
    });
    expect(JSON.stringify(started?.options)).not.toContain('ELECTRON_RUN_AS_NODE');

    started?.child.emit('message', { step: { buildType: 'localBuild' } });
    started?.child.emit('message', { report: { ok: true } });
    expect(await probing).toEqual({ report: { ok: true } });
    // The worker waits to be ended once its report is in.
    expect(started?.child.killed).toBe(true);
  });

  it('tells a utility process that ended without a report by its exit code, with the step it was in', async () => {
    const probing = runProbe('/models/q8.gguf', utilityProbeLauncher('/w.js'), { gpu: 'cpu', binary: 'auto' });
    const [started] = forks.splice(0);
    started?.child.emit('message', { step: { buildType: 'localBuild' } });
    started?.child.emit('message', { step: { engine: 'batched' } });
    started?.child.stderr.write('ggml_abort: something native\n');
    await new Promise((resolve) => setImmediate(resolve));
    started?.child.emit('exit', 4);
    expect(await probing).toEqual({
      died: 'exit code 4',
      buildType: 'localBuild',
      engine: 'batched',
      stderr: ['ggml_abort: something native'],
      timedOut: false,
    });
  });
});
