import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioService } from '#host/studioService';
import { DEFAULT_SETTINGS, SettingsStore } from '#host/settingsStore';
import { tempDir } from '../support/files';
import { SOURCE_PROBE_WORKER } from '#core/modelProbe';

const dir = await tempDir();

async function settingsOf(file: string): Promise<unknown> {
  const service = new StudioService({ dialogs: null, settingsFile: file, probeWorker: SOURCE_PROBE_WORKER });
  try {
    return await service.handle('settings:get', {});
  } finally {
    await service.dispose();
  }
}

describe('settings', () => {
  it('persist across two services on the same file', async () => {
    const file = join(dir, 'nested', 'settings.json');
    const first = new StudioService({ dialogs: null, settingsFile: file, probeWorker: SOURCE_PROBE_WORKER });
    expect(await first.handle('settings:get', {})).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    await first.handle('settings:set', { gpu: 'cpu', threads: 4, job: { batchSize: 64, output: '/tmp/out.npy' } });
    const merged = await first.handle('settings:set', { job: { normalize: 'none' } });
    expect(merged).toMatchObject({ ok: true, value: { gpu: 'cpu', job: { batchSize: 64, normalize: 'none' } } });
    await first.dispose();

    expect(await settingsOf(file)).toEqual({
      ok: true,
      value: {
        ...DEFAULT_SETTINGS,
        gpu: 'cpu',
        threads: 4,
        job: { batchSize: 64, output: '/tmp/out.npy', normalize: 'none' },
      },
    });
    // Written atomically: no temporary file is left beside it.
    expect(await readdir(join(dir, 'nested'))).toEqual(['settings.json']);
  });

  it('fall back to the defaults for a corrupt file, and are saved over it', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '{"gpu": "cpu", "threads": ');
    expect(await settingsOf(file)).toEqual({ ok: true, value: DEFAULT_SETTINGS });

    const store = new SettingsStore(file);
    await store.set({ modelPath: '/models/a.gguf' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ modelPath: '/models/a.gguf', gpu: 'auto' });
  });

  it('keep the valid fields of a file with invalid ones', async () => {
    const file = join(dir, 'partly.json');
    await writeFile(
      file,
      JSON.stringify({ gpu: 'tpu', threads: 8, modelPath: 5, job: { batchSize: -1, prefix: 'query: ', bogus: 1 } }),
    );
    expect(await new SettingsStore(file).get()).toEqual({
      ...DEFAULT_SETTINGS,
      threads: 8,
      job: { prefix: 'query: ' },
    });
    await writeFile(file, '[1, 2, 3]');
    expect(await new SettingsStore(file).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('answer with defaults when the file does not exist yet', async () => {
    expect(await new SettingsStore(join(dir, 'missing', 'settings.json')).get()).toEqual(DEFAULT_SETTINGS);
  });
});
