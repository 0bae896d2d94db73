import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceHarness } from './serviceHarness';
import { goodJob, goodLoad } from '../support/requests';

const h = await serviceHarness();

const cases: Array<[string, string, unknown, string | undefined, RegExp]> = [
  ['batchSize 0', 'job:start', { ...goodJob, batchSize: 0 }, 'batchSize', /^batchSize: must be at least 1$/],
  [
    'batchSize 1.5',
    'job:start',
    { ...goodJob, batchSize: 1.5 },
    'batchSize',
    /^batchSize: must be a whole number, not 1\.5$/,
  ],
  [
    'batchSize "32"',
    'job:start',
    { ...goodJob, batchSize: '32' },
    'batchSize',
    /^batchSize: must be a number, not "32"$/,
  ],
  [
    'batchSize too large',
    'job:start',
    { ...goodJob, batchSize: 1e6 },
    'batchSize',
    /^batchSize: must be at most 65536$/,
  ],
  [
    'unknown enum value',
    'job:start',
    { ...goodJob, normalize: 'l3' },
    'normalize',
    /^normalize: must be one of "l2", "none", not "l3"$/,
  ],
  [
    'unknown output format',
    'job:start',
    { ...goodJob, format: 'csv' },
    'format',
    /^format: must be one of "jsonl", "npy", "parquet", "lance", not "csv"$/,
  ],
  ['extra unknown key', 'job:start', { ...goodJob, turbo: true }, 'turbo', /^turbo: is not a known field$/],
  ['missing key', 'job:start', (({ output: _, ...rest }) => rest)(goodJob), 'output', /^output: is required$/],
  ['empty path', 'job:start', { ...goodJob, input: '' }, 'input', /^input: a path is required$/],
  ['blank path', 'job:start', { ...goodJob, output: '   ' }, 'output', /^output: a path is required$/],
  [
    'path with a line break',
    'job:start',
    { ...goodJob, input: 'a\nb.txt' },
    'input',
    /^input: the path contains a line break/,
  ],
  ['path of the wrong type', 'model:load', { ...goodLoad, path: 42 }, 'path', /^path: must be a string, not 42$/],
  [
    'path null',
    'input:inspect',
    { path: null, format: null, field: null },
    'path',
    /^path: must be a string, not null$/,
  ],
  [
    'negative memory limit',
    'job:start',
    { ...goodJob, memoryLimitMb: -5 },
    'memoryLimitMb',
    /^memoryLimitMb: must be at least 1$/,
  ],
  ['threads 0', 'model:load', { ...goodLoad, threads: 0 }, 'threads', /^threads: must be at least 1$/],
  [
    'unknown gpu',
    'model:load',
    { ...goodLoad, gpu: 'tpu' },
    'gpu',
    /^gpu: must be one of "auto", "cpu", "cuda", "vulkan", "metal", not "tpu"$/,
  ],
  [
    'nested settings field',
    'settings:set',
    { job: { batchSize: 0 } },
    'job.batchSize',
    /^job\.batchSize: must be at least 1$/,
  ],
  ['params on a request that takes none', 'job:pause', { now: true }, 'now', /^now: is not a known field$/],
  ['params that are not an object', 'job:state', [1, 2], undefined, /^parameters: must be an object, not an array$/],
  [
    'output path of the wrong type',
    'output:pick',
    { suggestedPath: 7 },
    'suggestedPath',
    /^suggestedPath: must be a string, not 7$/,
  ],
  [
    'resume that is not a boolean',
    'job:start',
    { ...goodJob, resume: 'yes' },
    'resume',
    /^resume: must be a boolean, not "yes"$/,
  ],
  [
    'unfinished run without an output',
    'output:unfinished',
    { input: '/data/in.txt' },
    'output',
    /^output: is required$/,
  ],
  [
    'unfinished run of a blank input',
    'output:unfinished',
    { input: ' ', output: '/data/out.jsonl' },
    'input',
    /^input: a path is required$/,
  ],
  [
    'unfinished run with an extra key',
    'output:unfinished',
    { input: '/data/in.txt', output: '/data/out.jsonl', format: 'jsonl' },
    'format',
    /^format: is not a known field$/,
  ],
];

describe('request validation', () => {
  it.each(cases)('rejects %s with INVALID_REQUEST naming the field', async (_label, name, params, field, message) => {
    const reply = await h.service.handle(name, params);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('INVALID_REQUEST');
    expect(reply.error.field).toBe(field);
    expect(reply.error.message).toMatch(message);
  });

  it('rejects an unknown request name', async () => {
    const reply = await h.service.handle('model:explode', {});
    expect(reply).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'Unknown request "model:explode".' },
    });
    expect(await h.service.handle('toString', {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('runs nothing for a rejected request', async () => {
    expect(await h.ok('job:state', {})).toMatchObject({ status: 'idle', jobId: null });
    expect(await h.ok('model:info', {})).toBeNull();
    expect(h.events).toEqual([]);
    expect(existsSync(join(h.dir, 'settings.json'))).toBe(false);
  });

  it('takes a job start without resume as one from the first line', async () => {
    // Valid parameters: refused only for want of a model.
    expect(await h.service.handle('job:start', goodJob)).toMatchObject({ ok: false, error: { code: 'NO_MODEL' } });
  });

  it('takes a request without parameters when none are needed', async () => {
    expect(await h.service.handle('job:state', undefined)).toMatchObject({ ok: true, value: { status: 'idle' } });
  });
});
