import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args';
import { renderDownload } from '../../src/cli/downloadProgress';

describe('the models command line', () => {
  it('reads list, pull and rm with their options', () => {
    expect(parseCommandLine(['models', 'list', '--json'])).toEqual({
      command: 'models',
      options: { action: 'list', json: true, modelsDir: undefined },
    });
    expect(parseCommandLine(['models', 'pull', 'hf:owner/repo:Q8_0', '--models-dir', '/m'])).toEqual({
      command: 'models',
      options: { action: 'pull', name: 'hf:owner/repo:Q8_0', json: false, modelsDir: '/m' },
    });
    expect(parseCommandLine(['models', '--models-dir=/m', 'rm', 'x.gguf'])).toMatchObject({
      options: { action: 'rm', name: 'x.gguf', modelsDir: '/m' },
    });
  });

  it('takes --models-dir for embed and info', () => {
    expect(parseCommandLine(['info', '--model', 'bge-m3', '--models-dir', '/m'])).toMatchObject({
      command: 'info',
      options: { model: 'bge-m3', modelsDir: '/m' },
    });
  });
});

describe('the download progress line', () => {
  const progress = {
    fileName: 'bge-small-en-v1.5-q8_0.gguf',
    downloadedBytes: 15 * 1024 * 1024,
    totalBytes: 35 * 1024 * 1024,
    bytesPerSecond: 2.5 * 1024 * 1024,
    etaMs: 8000,
  };

  it('shows percent, bytes, speed, time left and the file, with a bar on a wide terminal', () => {
    expect(renderDownload(progress, 79)).toBe(
      ' 42%  15 MiB of 35 MiB  2.5 MiB/s  ETA 0:08  bge-small-en-v1.5-q8_0.gguf',
    );
    expect(renderDownload(progress, 119)).toBe(
      '[█████████░░░░░░░░░░░]  42%  15 MiB of 35 MiB  2.5 MiB/s  ETA 0:08  bge-small-en-v1.5-q8_0.gguf',
    );
  });

  it('drops the least important parts on a narrow terminal, and copes without a total', () => {
    expect(renderDownload(progress, 30)).toBe(' 42%  15 MiB of 35 MiB');
    expect(renderDownload({ ...progress, totalBytes: null, etaMs: null }, 79)).toBe(
      '15 MiB  2.5 MiB/s  ETA ?  bge-small-en-v1.5-q8_0.gguf',
    );
  });
});
