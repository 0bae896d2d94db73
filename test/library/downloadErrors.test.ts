import { describe, expect, it } from 'vitest';
import { downloadError } from '#core/library/downloadErrors';
import { DownloadMeter } from '#core/library/downloadMeter';

describe('download errors', () => {
  it('says the disk is full when a write fails with ENOSPC', () => {
    const error = downloadError(
      Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' }),
      'hf:a/b/c.gguf',
      '/models',
    );
    expect(error).toMatchObject({ code: 'OUTPUT_UNWRITABLE', message: 'The disk holding /models is full.' });
    expect(error.remedy).toEqual({ kind: 'freeDiskSpace', folder: 'models' });
  });

  it('says a network failure hidden in a fetch error is one', () => {
    const failed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND example.com'), { code: 'ENOTFOUND' }),
    });
    expect(downloadError(failed, 'https://example.com/m.gguf', '/models')).toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: 'Could not reach example.com (ENOTFOUND).',
    });
  });

  it('says which Hugging Face model or quantization does not exist', () => {
    const missing = new Error('Cannot get quantization "Q9_0" for model "hf:a/b" or it does not exist');
    expect(downloadError(missing, 'hf:a/b:Q9_0', '/models')).toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringMatching(/^Model not found: Cannot get quantization/),
    });
  });
});

describe('the download meter', () => {
  it('measures speed over the last seconds and the time left from it', () => {
    let now = 0;
    const meter = new DownloadMeter('m.gguf', () => now);
    expect(meter.update(1000, 11_000)).toMatchObject({ bytesPerSecond: 0, etaMs: null });
    now = 1000;
    expect(meter.update(3000, 11_000)).toMatchObject({ downloadedBytes: 3000, bytesPerSecond: 2000, etaMs: 4000 });
    now = 2000;
    expect(meter.update(2500, 11_000)).toMatchObject({ downloadedBytes: 3000 });
    expect(meter.idleMs).toBe(1000);
  });

  it('follows a connection that slows down: speed and time left come from the last five seconds, not the whole download', () => {
    let now = 0;
    const meter = new DownloadMeter('m.gguf', () => now);
    const bytesAt = (ms: number): number => (ms <= 20_000 ? ms * 1000 : 20_000_000 + (ms - 20_000) * 100);
    let progress = meter.update(0, 31_000_000);
    for (now = 500; now <= 30_000; now += 500) progress = meter.update(bytesAt(now), 31_000_000);
    // 1 MB/s for 20 s, then 100 kB/s for 10 s: 700 kB/s on average, 100 kB/s now.
    expect(progress).toMatchObject({ downloadedBytes: 21_000_000, bytesPerSecond: 100_000, etaMs: 100_000 });
  });
});
