import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  forkProbeWorker,
  prestartProbe,
  probeModel,
  probeWorkerIn,
  SOURCE_PROBE_WORKER,
  type ProbeLauncher,
} from '#core/modelProbe';
import { writeGguf } from '../support/gguf';
import { tempDir } from '../support/files';
import { bertModelParts, testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
const probe = forkProbeWorker(SOURCE_PROBE_WORKER);

/** Forks test/support/probeWorkerThatDies.mjs, recording the arguments of each start. */
function workerThatDies(): { launch: ProbeLauncher; started: string[][] } {
  const started: string[][] = [];
  const fork = forkProbeWorker({
    file: fileURLToPath(new URL('../support/probeWorkerThatDies.mjs', import.meta.url)),
    execArgv: [],
  });
  return {
    started,
    launch: (args) => {
      started.push(args);
      return fork(args);
    },
  };
}

describe('probeModel', () => {
  it('passes a good model, with the binary node-llama-cpp chooses', async () => {
    await expect(probeModel(await testModelPath(TINY), probe, { gpu: 'cpu' })).resolves.toEqual({ binary: 'auto' });
  });

  it('passes on the loader’s own error for a file that is not a model', async () => {
    const path = join(dir, 'notes.gguf');
    await writeFile(path, 'not a model');
    await expect(probeModel(path, probe, { gpu: 'cpu' })).rejects.toMatchObject({
      code: 'NOT_GGUF',
      message: expect.stringContaining(path),
    });
  });

  it('turns a native abort inside llama.cpp into an error, trying the prebuilt binary once, and this process lives on', async () => {
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'aborts' });
    const path = join(dir, 'aborts.gguf');
    await writeGguf(
      path,
      metadata,
      tensors.map((t) => (t.name === 'blk.0.attn_q.bias' ? { ...t, type: 'F16' } : t)),
    );
    const error = await probeModel(path, probe, { gpu: 'cpu' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringMatching(
        /^This model file is damaged or unsupported: llama\.cpp stopped \(SIG[A-Z]+\) while loading /,
      ),
    });
    // With a local build, it stopped there and then again on the prebuilt binary; without one, on the prebuilt alone.
    expect((error as Error).message).toMatch(
      /with (the local build of llama\.cpp and the batched engine, and again \(SIG[A-Z]+\) with )?node-llama-cpp's prebuilt binary and the (batched|contexts) engine: .*binary_op/,
    );
  });
});

describe('when the probe dies by a signal', () => {
  it('falls back to the prebuilt binary where the local build dies and the prebuilt one works, and says so', async () => {
    const { launch, started } = workerThatDies();
    const path = join(dir, 'q8_0-on-amx.gguf');
    const result = await probeModel(path, launch, { gpu: 'cpu' });
    expect(started).toEqual([
      [path, 'cpu', 'auto'],
      [path, 'cpu', 'prebuilt'],
    ]);
    expect(result).toEqual({
      binary: 'prebuilt',
      notice:
        `llama.cpp stopped (SIGILL) on ${path} with the local build of llama.cpp and the batched engine; this run uses ` +
        "node-llama-cpp's prebuilt binary instead, which runs this model, more slowly. Run npm run build:engine to " +
        'rebuild the engine for this machine.',
    });
  });

  it('calls a model damaged when the prebuilt binary dies too, after one fallback and no more', async () => {
    const { launch, started } = workerThatDies();
    const path = join(dir, 'dies-everywhere.gguf');
    await expect(probeModel(path, launch, { gpu: 'cpu' })).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message:
        `This model file is damaged or unsupported: llama.cpp stopped (SIGILL) while loading ${path} with the local build ` +
        "of llama.cpp and the batched engine, and again (SIGSEGV) with node-llama-cpp's prebuilt binary and the contexts " +
        'engine: ggml_compute_forward: illegal instruction.',
    });
    expect(started).toHaveLength(2);
  });

  it('does not fall back when the binary that died is the prebuilt one already', async () => {
    const { launch, started } = workerThatDies();
    const path = join(dir, 'dies-everywhere.gguf');
    await expect(probeModel(path, launch, { gpu: 'cpu', binary: 'prebuilt' })).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: `This model file is damaged or unsupported: llama.cpp stopped (SIGSEGV) while loading ${path} with node-llama-cpp's prebuilt binary and the contexts engine.`,
    });
    expect(started).toEqual([[path, 'cpu', 'prebuilt']]);
  });
});

describe('a probe stopped from outside', () => {
  it('is cancelled, not a crash, when its caller stops it: no other binary is tried', async () => {
    const { launch, started } = workerThatDies();
    const stop = new AbortController();
    const path = join(dir, 'q8_0-on-amx.gguf');
    const probing = probeModel(path, launch, { gpu: 'cpu', signal: stop.signal });
    stop.abort();
    await expect(probing).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(started).toEqual([[path, 'cpu', 'auto']]);
  });

  it('is cancelled, not a crash, when Ctrl-C (SIGINT) ended it with the CLI', async () => {
    const started: string[][] = [];
    const interrupted: ProbeLauncher = (args) => {
      started.push(args);
      return {
        stderr: null,
        onMessage: (listener) => setImmediate(() => listener({ step: { buildType: 'localBuild' } })),
        onExit: (listener) => setTimeout(() => listener('SIGINT'), 10),
        kill: () => undefined,
      };
    };
    await expect(probeModel(join(dir, 'big.gguf'), interrupted, { gpu: 'cpu' })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(started).toHaveLength(1);
  });

  it('starts no process when its caller stopped it before it began', async () => {
    const { launch, started } = workerThatDies();
    await expect(
      probeModel(join(dir, 'any.gguf'), launch, { gpu: 'cpu', signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(started).toEqual([]);
  });
});

describe('a probe worker that cannot run', () => {
  it('is an error of its own, never a damaged model, and no other binary is tried', async () => {
    const missing = forkProbeWorker({ file: join(dir, 'no-such-worker.js'), execArgv: [] });
    let starts = 0;
    const launch: ProbeLauncher = (args) => {
      starts += 1;
      return missing(args);
    };
    const error = await probeModel(await testModelPath(TINY), launch, { gpu: 'cpu' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('code', 'MODEL_UNSUPPORTED');
    expect((error as Error).message).toMatch(
      /^The model probe's worker ended \(exit code 1\) before it loaded llama\.cpp: .*Cannot find module/,
    );
    expect(starts).toBe(1);
  });

  it('is the bundle a build put beside the caller, else the source through tsx', async () => {
    const built = await tempDir();
    await writeFile(join(built, 'modelProbeWorker.js'), '');
    expect(probeWorkerIn(built)).toEqual({ file: join(built, 'modelProbeWorker.js'), execArgv: [] });
    expect(probeWorkerIn(await tempDir())).toEqual(SOURCE_PROBE_WORKER);
  });
});

describe('a probe started ahead of time', () => {
  it('is the process the probe takes, whatever it did meanwhile, and the fallback still starts its own', async () => {
    const { launch, started } = workerThatDies();
    const path = join(dir, 'q8_0-on-amx.gguf');
    const early = prestartProbe(launch, path, 'cpu');
    expect(started).toEqual([[path, 'cpu', 'auto']]);
    // Time for the early process to report its steps and die by SIGILL before anyone listens (either order must work).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(probeModel(path, early.launch, { gpu: 'cpu' })).resolves.toMatchObject({
      binary: 'prebuilt',
      notice: expect.stringContaining('(SIGILL)'),
    });
    expect(started).toEqual([
      [path, 'cpu', 'auto'],
      [path, 'cpu', 'prebuilt'],
    ]);
  });

  it('is ended when no probe asks for it', async () => {
    const ended: string[] = [];
    const launch = forkProbeWorker(SOURCE_PROBE_WORKER);
    const early = prestartProbe(
      (args) => {
        const child = launch(args);
        child.onExit((how) => ended.push(how));
        return child;
      },
      await testModelPath(TINY),
      'cpu',
    );
    early.dispose();
    await expect.poll(() => ended, { timeout: 10_000 }).toEqual(['SIGKILL']);
  });
});
