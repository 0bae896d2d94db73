import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { WatchOptions } from '#core/engineBuild';
import { EmbeddingModel } from '#core/model';
import { forkProbeWorker, SOURCE_PROBE_WORKER } from '#core/modelProbe';
import { StudioService } from '#host/studioService';
import type { EventPayloads } from '#shared/contract';
import type { ModelInfo } from '#shared/engine';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

// node-llama-cpp's lock lives in the shared node_modules: the watch looks in a folder of this test's own instead.
const builds = vi.hoisted(() => ({ dir: '' }));
vi.mock('#core/engineBuild', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#core/engineBuild')>();
  return {
    ...actual,
    watchEngineBuild: (onWaiting: (message: string) => void, options: WatchOptions = {}) =>
      actual.watchEngineBuild(onWaiting, { ...options, dir: builds.dir }),
  };
});

const { localBuildsDir } = await import('#core/engineBuild');
const { withLockfile } = (await import(
  pathToFileURL(join(dirname(localBuildsDir()), '..', 'dist', 'utils', 'withLockfile.js')).href
)) as {
  withLockfile<T>(options: { resourcePath: string }, callback: () => Promise<T>): Promise<T>;
};

const dir = await tempDir();
builds.dir = join(dir, 'localBuilds');
await mkdir(builds.dir);
const model = await testModelPath(TINY);
const load = { path: model, gpu: 'cpu', threads: 1, contextSize: 64 };

function service(probeWorker: ConstructorParameters<typeof StudioService>[0]['probeWorker']) {
  const created = new StudioService({
    dialogs: null,
    settingsFile: join(dir, `settings-${Math.random()}.json`),
    probeWorker,
  });
  afterAll(() => created.dispose());
  const notices: Array<EventPayloads['model:notice']> = [];
  created.subscribe((event, payload) => {
    if (event === 'model:notice') notices.push(payload as EventPayloads['model:notice']);
  });
  return { service: created, notices };
}

describe('the app, while a model loads', () => {
  it('runs a model the local build dies on with the prebuilt binary, and says so', async () => {
    const dies = forkProbeWorker({
      file: fileURLToPath(new URL('../support/probeWorkerThatDies.mjs', import.meta.url)),
      execArgv: [],
    });
    const { service: studio, notices } = service(dies);
    const reply = await studio.handle('model:load', load);
    expect(reply).toMatchObject({ ok: true });
    expect((reply as { value: ModelInfo }).value).toMatchObject({ buildType: 'prebuilt', engine: 'contexts' });
    expect(notices).toEqual([
      {
        path: model,
        message: expect.stringMatching(
          new RegExp(
            `^llama\\.cpp stopped \\(SIGILL\\) on ${model} with the local build of llama\\.cpp and the batched engine; this run uses node-llama-cpp's prebuilt binary instead.*npm run build:engine`,
          ),
        ),
      },
    ]);
  });

  it('says it waits for an engine build under way', async () => {
    const { service: studio, notices } = service(SOURCE_PROBE_WORKER);
    const build = join(builds.dir, 'linux-x64');
    await withLockfile({ resourcePath: build }, async () => {
      expect(await studio.handle('model:load', load)).toMatchObject({ ok: true });
    });
    expect(notices).toEqual([
      {
        path: model,
        message: expect.stringMatching(
          /^Waiting for the engine build under way \(npm run build:engine; it holds .*linux-x64\.lock\)/,
        ),
      },
    ]);
  });
});

describe('the CLI’s model load, while an engine build is under way', () => {
  it('says it waits', async () => {
    const notices: string[] = [];
    await withLockfile({ resourcePath: join(builds.dir, 'linux-x64') }, async () => {
      const loaded = await EmbeddingModel.load(model, {
        gpu: 'cpu',
        threads: 1,
        contextSize: 64,
        probe: forkProbeWorker(SOURCE_PROBE_WORKER),
        onNotice: (message) => notices.push(message),
      });
      await loaded.dispose();
    });
    expect(notices).toEqual([expect.stringMatching(/^Waiting for the engine build under way/)]);
  });
});
