import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileInputInfo, JobStart, ReplyError, UnfinishedRun } from '#shared/contract';
import { createStudioStore, type StudioStore } from '../../src/renderer/src/store/createStudioStore';
import { LOG_LIMIT } from '../../src/renderer/src/store/logEntries';
import { METRICS_CAPACITY } from '../../src/renderer/src/store/metricsHistory';
import { startBlockers } from '../../src/renderer/src/store/startGuard';
import { EVENT_NAMES } from '#shared/protocol';
import { defaultSettings, FakeStudioApi, jobState, jobSummary, modelInfo, ok, progress, settle } from './fakeStudioApi';

const SAVE_DELAY = 300;

function inputInfo(overrides: Partial<FileInputInfo> = {}): FileInputInfo {
  return {
    kind: 'file',
    path: '/data/notes.txt',
    sizeBytes: 2048,
    lines: 100,
    format: 'text',
    preview: [],
    tokens: null,
    ...overrides,
  };
}

async function started(
  api = new FakeStudioApi(),
): Promise<{ api: FakeStudioApi; store: StudioStore; dispose: () => void }> {
  const store = createStudioStore(api, { saveDelayMs: SAVE_DELAY });
  const dispose = await store.getState().actions.init();
  return { api, store, dispose };
}

/** A store with a model loaded and input and output chosen: ready to start. */
async function ready(api = new FakeStudioApi()) {
  api.reply('model:info', () => ok(modelInfo()));
  api.reply('input:inspect', () => ok(inputInfo()));
  const setup = await started(api);
  setup.store.getState().actions.setInputPath('/data/notes.txt');
  await setup.store.getState().actions.inspectInput();
  return setup;
}

async function running(jobId = 1) {
  const setup = await ready();
  setup.api.reply('job:start', () => ok(jobState(jobId, 'running')));
  await setup.store.getState().actions.start();
  return setup;
}

describe('settings', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fills the form from the saved settings and inspects the saved input', async () => {
    const api = new FakeStudioApi();
    api.reply('settings:get', () =>
      ok({
        ...defaultSettings(),
        modelPath: '/models/mini.gguf',
        gpu: 'cpu',
        threads: 6,
        job: {
          input: '/data/notes.jsonl',
          inputFormat: 'jsonl',
          field: 'body',
          batchSize: 128,
          format: 'npy',
          precision: 'ubinary',
          continueOnError: false,
        },
      }),
    );
    api.reply('input:inspect', () => ok(inputInfo({ format: 'jsonl' })));
    const { store } = await started(api);
    await settle();
    const { model, input, settings } = store.getState();
    expect(model.path).toBe('/models/mini.gguf');
    expect(input).toMatchObject({ path: '/data/notes.jsonl', format: 'jsonl', field: 'body' });
    expect(settings).toMatchObject({
      loaded: true,
      gpu: 'cpu',
      format: 'npy',
      precision: 'ubinary',
      stopOnError: true,
      output: '/data/notes.embeddings.npy',
      outputSuggested: true,
      values: { batchSize: 128, threads: 6, contextSize: null, memoryLimitMb: null },
      texts: { batchSize: '128', threads: '6', contextSize: '' },
    });
    expect(api.requestsOf('input:inspect')).toEqual([
      {
        path: '/data/notes.jsonl',
        format: 'jsonl',
        field: 'body',
        glob: null,
        prefix: '',
        chunkTokens: null,
        chunkOverlap: null,
      },
    ]);
  });

  it('saves once, after the changes stop, with the latest values', async () => {
    const { api, store } = await started();
    const { actions } = store.getState();
    actions.setNumber('batchSize', '64');
    vi.advanceTimersByTime(SAVE_DELAY - 50);
    actions.setGpu('vulkan');
    actions.setPrefix('search_document: ');
    actions.setPrecision('float16');
    actions.setModelPath('/models/mini.gguf');
    vi.advanceTimersByTime(SAVE_DELAY - 50);
    expect(api.requestsOf('settings:set')).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    const saved = api.requestsOf('settings:set');
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({
      modelPath: '/models/mini.gguf',
      gpu: 'vulkan',
      job: { batchSize: 64, prefix: 'search_document: ', precision: 'float16' },
    });
    // Empty paths are left out: the host only accepts real ones.
    expect(saved[0]).not.toHaveProperty('job.input');
    expect(saved[0]).not.toHaveProperty('job.output');
  });

  it('saves nothing before the saved settings have been read', () => {
    const api = new FakeStudioApi();
    const store = createStudioStore(api, { saveDelayMs: SAVE_DELAY });
    store.getState().actions.setGpu('cpu');
    vi.advanceTimersByTime(SAVE_DELAY * 2);
    expect(api.requestsOf('settings:set')).toEqual([]);
  });

  it('shows a failed save in the settings', async () => {
    const api = new FakeStudioApi();
    api.reply('settings:set', () => ({ ok: false, error: { code: 'INTERNAL', message: 'disk full' } }));
    const { store } = await started(api);
    store.getState().actions.setOverwrite(true);
    await vi.advanceTimersByTimeAsync(SAVE_DELAY);
    expect(store.getState().settings.saveError).toMatchObject({ message: 'disk full' });
  });
});

describe('batch size', () => {
  it('accepts whole numbers from 1 to 65536 and explains anything else next to the field', async () => {
    const { api, store } = await started();
    const { actions } = store.getState();
    for (const text of ['0', '65537', '12.5', 'abc', '-3']) {
      actions.setNumber('batchSize', text);
      expect(store.getState().settings.errors.batchSize).toBe('Batch size must be a whole number from 1 to 65,536.');
    }
    actions.setNumber('batchSize', '');
    expect(store.getState().settings.errors.batchSize).toBe('Enter a batch size from 1 to 65,536.');
    expect(store.getState().settings.texts.batchSize).toBe('');
    expect(store.getState().settings.values.batchSize).toBe(32);
    expect(startBlockers(store.getState())).toContain('Fix the batch size.');

    actions.setNumber('batchSize', '65536');
    expect(store.getState().settings.errors).toEqual({});
    expect(store.getState().settings.values.batchSize).toBe(65_536);
    expect(api.requestsOf('settings:set')).toEqual([]);
  });

  it('treats empty threads and context size as automatic', async () => {
    const { store } = await started();
    const { actions } = store.getState();
    actions.setNumber('threads', '8');
    actions.setNumber('threads', ' ');
    actions.setNumber('contextSize', '4');
    expect(store.getState().settings.values.threads).toBeNull();
    expect(store.getState().settings.errors).toEqual({
      contextSize: 'Context size must be a whole number from 8 to 1,048,576.',
    });
  });
});

describe('model', () => {
  it('loads with the hardware settings, shows the model, and re-inspects the input for token counts', async () => {
    const api = new FakeStudioApi();
    api.reply('model:load', ({ path }) => ok(modelInfo({ path })));
    api.reply('input:inspect', () => ok(inputInfo()));
    const { store } = await started(api);
    const { actions } = store.getState();
    actions.setInputPath('/data/notes.txt');
    actions.setModelPath('/models/mini.gguf');
    actions.setGpu('cpu');
    actions.setNumber('threads', '4');
    actions.setNumber('contextSize', '256');
    const loading = actions.loadModel();
    expect(store.getState().model.loading).toBe(true);
    await loading;
    await settle();
    expect(api.requestsOf('model:load')).toEqual([
      { path: '/models/mini.gguf', gpu: 'cpu', threads: 4, contextSize: 256 },
    ]);
    expect(store.getState().model).toMatchObject({
      loading: false,
      error: null,
      info: { path: '/models/mini.gguf', dimension: 384 },
    });
    expect(api.requestsOf('input:inspect')).toHaveLength(1);
  });

  it('shows what the host says while the model loads (a wait, a fallback binary), and forgets it at the next load', async () => {
    const api = new FakeStudioApi();
    let finish: () => void = () => undefined;
    api.reply(
      'model:load',
      ({ path }) => new Promise((resolve) => (finish = () => resolve(ok(modelInfo({ path, buildType: 'prebuilt' }))))),
    );
    const { store } = await started(api);
    const { actions } = store.getState();
    actions.setModelPath('/models/q8.gguf');
    const loading = actions.loadModel();
    const notice =
      "llama.cpp stopped (SIGILL) on /models/q8.gguf with the local build of llama.cpp and the batched engine; this run uses node-llama-cpp's prebuilt binary instead";
    api.emit('model:notice', { path: '/models/other.gguf', message: 'not this load' });
    expect(store.getState().model.notice).toBeNull();
    api.emit('model:notice', { path: '/models/q8.gguf', message: notice });
    expect(store.getState().model.notice).toBe(notice);
    finish();
    await loading;
    expect(store.getState().model).toMatchObject({ loading: false, notice, info: { buildType: 'prebuilt' } });

    const again = actions.loadModel();
    expect(store.getState().model.notice).toBeNull();
    finish();
    await again;
  });

  it('puts a failed load next to the model, not in the run', async () => {
    const api = new FakeStudioApi();
    const error: ReplyError = {
      code: 'NOT_GGUF',
      message: '/models/notes.txt is not a GGUF file.',
      hint: 'Choose a .gguf model file.',
    };
    api.reply('model:load', () => ({ ok: false, error }));
    const { store } = await started(api);
    store.getState().actions.setModelPath('/models/notes.txt');
    await store.getState().actions.loadModel();
    const state = store.getState();
    expect(state.model).toMatchObject({ loading: false, info: null, error });
    expect(state.job.error).toBeNull();
    expect(state.input.error).toBeNull();
  });

  it('asks for a path before loading, without asking the host', async () => {
    const { api, store } = await started();
    await store.getState().actions.loadModel();
    expect(store.getState().model.error).toMatchObject({
      code: 'NO_PATH',
      message: 'Enter the path of a .gguf model file first.',
    });
    expect(api.requestsOf('model:load')).toEqual([]);
  });

  it('shows a model the host already has loaded', async () => {
    const api = new FakeStudioApi();
    api.reply('model:info', () => ok(modelInfo()));
    const { store } = await started(api);
    expect(store.getState().model).toMatchObject({ path: '/models/mini.gguf', info: { name: 'mini' } });
  });
});

describe('input and output', () => {
  it('suggests the output next to the input until one is chosen, and follows the format', async () => {
    const { store } = await started();
    const { actions } = store.getState();
    actions.setInputPath('/data/notes.txt');
    expect(store.getState().settings.output).toBe('/data/notes.embeddings.jsonl');
    actions.setOutputFormat('parquet');
    expect(store.getState().settings.output).toBe('/data/notes.embeddings.parquet');
    actions.setOutputPath('/out/vectors.npy');
    expect(store.getState().settings).toMatchObject({
      output: '/out/vectors.npy',
      format: 'npy',
      outputSuggested: false,
    });
    actions.setInputPath('/data/other.txt');
    expect(store.getState().settings.output).toBe('/out/vectors.npy');
  });

  it('keeps only the answer to the latest inspection', async () => {
    const api = new FakeStudioApi();
    const answers: Array<() => void> = [];
    api.reply(
      'input:inspect',
      ({ path }) => new Promise((resolve) => answers.push(() => resolve(ok(inputInfo({ path }))))),
    );
    const { store } = await started(api);
    const { actions } = store.getState();
    actions.setInputPath('/data/a.txt');
    const first = actions.inspectInput();
    actions.setInputPath('/data/b.txt');
    const second = actions.inspectInput();
    answers[1]?.();
    answers[0]?.();
    await Promise.all([first, second]);
    expect(store.getState().input.info?.path).toBe('/data/b.txt');
  });

  it('takes a dropped .gguf as the model and another file as the input', async () => {
    const api = new FakeStudioApi();
    api.reply('input:inspect', () => ok(inputInfo()));
    api.paths.set('mini.gguf', '/models/mini.gguf');
    api.paths.set('notes.txt', '/data/notes.txt');
    const { store } = await started(api);
    store.getState().actions.dropFiles([new File([], 'mini.gguf'), new File([], 'notes.txt')]);
    expect(store.getState()).toMatchObject({
      notice: null,
      model: { path: '/models/mini.gguf' },
      input: { path: '/data/notes.txt' },
    });
  });

  it('says in the browser that dropped files cannot be used', async () => {
    const { store } = await started(new FakeStudioApi('browser'));
    store.getState().actions.dropFiles([new File([], 'notes.txt')]);
    expect(store.getState().notice).toMatch(/type the file’s path/);
    expect(store.getState().input.path).toBe('');
  });
});

describe('start', () => {
  it('says why it cannot start, in the order to fix things', async () => {
    const { store } = await started();
    expect(startBlockers(store.getState())).toEqual([
      'Load a model first.',
      'Choose an input file.',
      'Choose an output file.',
    ]);
  });

  it('can start once a model, an input and an output are set, and not while a run goes', async () => {
    const { store } = await ready();
    expect(startBlockers(store.getState())).toEqual([]);
    store.setState({ job: { ...store.getState().job, status: 'running', jobId: 1 } });
    expect(startBlockers(store.getState())).toEqual(['A run is in progress.']);
  });

  it('sends the form as job settings', async () => {
    const { api, store } = await ready();
    api.reply('job:start', () => ok(jobState(1, 'running')));
    const { actions } = store.getState();
    actions.setInputFormat('jsonl');
    actions.setInputField(' body ');
    actions.setStopOnError(true);
    actions.setNumber('batchSize', '8');
    actions.setPrecision('int8');
    await actions.start();
    const expected: JobStart = {
      input: '/data/notes.txt',
      inputFormat: 'jsonl',
      field: 'body',
      glob: null,
      output: '/data/notes.embeddings.jsonl',
      format: 'jsonl',
      overwrite: false,
      batchSize: 8,
      normalize: 'l2',
      prefix: '',
      onLong: 'truncate',
      chunkTokens: null,
      chunkOverlap: null,
      continueOnError: false,
      memoryLimitMb: null,
      dimensions: null,
      precision: 'int8',
      resume: false,
      reuse: null,
    };
    expect(api.requestsOf('job:start')).toEqual([expected]);
    expect(store.getState().job).toMatchObject({ status: 'running', jobId: 1, pending: null });
  });

  it('sends the long-text policy chunk or mean with its chunk tokens and overlap', async () => {
    const { api, store } = await ready();
    api.reply('job:start', () => ok(jobState(1, 'running')));
    const { actions } = store.getState();
    actions.setOnLong('mean');
    actions.setNumber('chunkTokens', '256');
    actions.setNumber('chunkOverlap', '0');
    await actions.start();
    expect(api.requestsOf('job:start')).toMatchObject([{ onLong: 'mean', chunkTokens: 256, chunkOverlap: 0 }]);
  });

  it('does not ask the host while something blocks the start', async () => {
    const { api, store } = await started();
    await store.getState().actions.start();
    expect(api.requestsOf('job:start')).toEqual([]);
  });

  it('puts a refused start next to the control it is about', async () => {
    const { api, store } = await ready();
    const outputExists: ReplyError = {
      code: 'OUTPUT_EXISTS',
      message: 'Output /data/notes.jsonl already exists.',
      remedy: { kind: 'overwriteOrChooseOutput' },
    };
    api.reply('job:start', () => ({ ok: false, error: outputExists }));
    await store.getState().actions.start();
    expect(store.getState().settings.outputError).toEqual({
      ...outputExists,
      hint: 'Choose another output file, or tick “Replace the output if it already exists”.',
    });
    expect(store.getState().job.error).toBeNull();

    const missing: ReplyError = {
      code: 'FILE_NOT_FOUND',
      message: 'Input file /data/notes.txt does not exist.',
      remedy: { kind: 'checkPath', role: 'input' },
    };
    api.reply('job:start', () => ({ ok: false, error: missing }));
    await store.getState().actions.start();
    expect(store.getState().input.error).toEqual({
      ...missing,
      hint: 'Check the path, or choose the file with Browse….',
    });
    expect(store.getState().settings.outputError).toBeNull();

    const busy: ReplyError = { code: 'BUSY', message: 'A run is already going.' };
    api.reply('job:start', () => ({ ok: false, error: busy }));
    await store.getState().actions.start();
    expect(store.getState().job.error).toEqual(busy);
  });
});

describe('events', () => {
  it('subscribes to every event and lets go of them when disposed', async () => {
    const { api, dispose } = await started();
    expect(api.listenerCount()).toBe(EVENT_NAMES.length);
    dispose();
    expect(api.listenerCount()).toBe(0);
  });

  it('shows progress, metrics and log lines of the current job only', async () => {
    const { api, store } = await running(2);
    api.emit('job:progress', { jobId: 2, ...progress(40) });
    api.emit('job:progress', { jobId: 1, ...progress(99) });
    api.emit('job:metrics', {
      jobId: 1,
      t: 5,
      textsPerSecond: 1,
      tokensPerSecond: 1,
      rssBytes: 1,
      heapUsedBytes: 1,
      vramUsedBytes: null,
    });
    api.emit('job:log', { jobId: 1, entries: [{ line: 3, reason: 'blank' }], omitted: 0 });
    api.emit('job:state', jobState(1, 'done'));
    const state = store.getState();
    expect(state.job).toMatchObject({ jobId: 2, status: 'running', progress: { linesDone: 40 } });
    expect(state.job.progress).not.toHaveProperty('jobId');
    expect(state.metrics.samples).toEqual([]);
    expect(state.log).toEqual({ entries: [], total: 0 });
  });

  it('keeps the metrics bounded and in time order over a long run, ending at the latest sample', async () => {
    const { api, store } = await running(1);
    const count = METRICS_CAPACITY * 5 + 7;
    for (let index = 0; index < count; index += 1) {
      api.emit('job:metrics', {
        jobId: 1,
        t: index * 100,
        textsPerSecond: index,
        tokensPerSecond: index * 10,
        rssBytes: 1,
        heapUsedBytes: 1,
        vramUsedBytes: null,
      });
    }
    const { samples } = store.getState().metrics;
    expect(samples.length).toBeLessThanOrEqual(METRICS_CAPACITY);
    expect(samples.length).toBeGreaterThan(METRICS_CAPACITY / 4);
    expect(samples[0]?.t).toBe(0);
    expect(samples.at(-1)?.t).toBe((count - 1) * 100);
    for (let index = 1; index < samples.length; index += 1) {
      expect(samples[index].t).toBeGreaterThan(samples[index - 1].t);
    }
  });

  it('lists the first skipped lines and counts them all', async () => {
    const { api, store } = await running(1);
    for (let batch = 0; batch < 30; batch += 1) {
      const entries = Array.from({ length: 50 }, (_, index) => ({
        line: batch * 50 + index + 1,
        reason: 'blank' as const,
      }));
      api.emit('job:log', { jobId: 1, entries, omitted: 0 });
    }
    const { log } = store.getState();
    expect(log.total).toBe(1500);
    expect(log.entries).toHaveLength(LOG_LIMIT);
    expect(log.entries[0]?.line).toBe(1);
    expect(log.entries.at(-1)?.line).toBe(LOG_LIMIT);
  });

  it('counts the lines the host left out of a log event, and lists no lines after such a gap', async () => {
    const { api, store } = await running(1);
    api.emit('job:log', { jobId: 1, entries: [{ line: 1, reason: 'blank' }], omitted: 250 });
    api.emit('job:log', {
      jobId: 1,
      entries: [{ line: 900, reason: 'failed', detail: 'context overflow' }],
      omitted: 0,
    });
    expect(store.getState().log).toEqual({ entries: [{ line: 1, reason: 'blank' }], total: 252 });
  });

  it('starts a new job with empty charts and log', async () => {
    const { api, store } = await running(1);
    api.emit('job:metrics', {
      jobId: 1,
      t: 100,
      textsPerSecond: 1,
      tokensPerSecond: 1,
      rssBytes: 1,
      heapUsedBytes: 1,
      vramUsedBytes: null,
    });
    api.emit('job:log', { jobId: 1, entries: [{ line: 1, reason: 'blank' }], omitted: 0 });
    api.emit('job:state', jobState(1, 'done', { summary: jobSummary() }));
    api.emit('job:state', jobState(2, 'running'));
    expect(store.getState()).toMatchObject({
      job: { jobId: 2, status: 'running', summary: null, progress: null },
      metrics: { samples: [] },
      log: { entries: [], total: 0 },
    });
  });

  it('shows the summary when the run is done, and ignores a late report that it still runs', async () => {
    const { api, store } = await running(1);
    api.emit('job:progress', { jobId: 1, ...progress(100, { done: true }) });
    api.emit('job:state', jobState(1, 'done', { summary: jobSummary(), progress: progress(100, { done: true }) }));
    api.emit('job:state', jobState(1, 'running'));
    expect(store.getState().job).toMatchObject({
      status: 'done',
      summary: { outputs: ['/data/notes.embeddings.jsonl'] },
    });
  });

  it('keeps the error, hint and partial files of a failed run', async () => {
    const { api, store } = await running(1);
    const error: ReplyError = {
      code: 'RUN_FAILED',
      message: 'The run failed: EIO: i/o error, write',
      hint: 'Check the disk.',
      partialFiles: ['/data/notes.embeddings.jsonl.partial'],
    };
    const partialStats = { ...jobSummary().stats, lines: 40 };
    api.emit('job:state', jobState(1, 'failed', { error, partialStats }));
    expect(store.getState().job).toMatchObject({ status: 'failed', error, partialStats: { lines: 40 } });
  });

  it('follows a job already running when the window opens', async () => {
    const api = new FakeStudioApi();
    api.reply('job:state', () => ok(jobState(7, 'paused', { progress: progress(10) })));
    const { store } = await started(api);
    api.emit('job:progress', { jobId: 7, ...progress(11) });
    expect(store.getState().job).toMatchObject({ jobId: 7, status: 'paused', progress: { linesDone: 11 } });
  });

  it('pauses, resumes and cancels through the host, showing a refusal in the run', async () => {
    const { api, store } = await running(1);
    api.reply('job:pause', () => ok(jobState(1, 'paused')));
    await store.getState().actions.pause();
    expect(store.getState().job.status).toBe('paused');
    api.reply('job:resume', () => ({ ok: false, error: { code: 'INTERNAL', message: 'nope' } }));
    await store.getState().actions.resume();
    expect(store.getState().job).toMatchObject({ status: 'paused', error: { message: 'nope' }, pending: null });
    api.reply('job:cancel', () => ok(jobState(1, 'cancelling')));
    await store.getState().actions.cancel();
    api.emit('job:state', jobState(1, 'cancelled'));
    expect(store.getState().job).toMatchObject({ status: 'cancelled', error: null });
  });
});

describe('unfinished run', () => {
  function unfinishedRun(overrides: Partial<Pick<UnfinishedRun, 'input' | 'sameInput'>> = {}): UnfinishedRun {
    return {
      input: '/data/notes.txt',
      sameInput: true,
      complete: false,
      lastLine: 1234,
      embedded: 1200,
      model: 'mini',
      ...overrides,
    };
  }

  /** Ready to start, with the host saying the output has an unfinished run. */
  async function offered(run: UnfinishedRun | null = unfinishedRun()) {
    const api = new FakeStudioApi();
    api.reply('output:unfinished', () => ok(run));
    const setup = await ready(api);
    await settle();
    return setup;
  }

  it('asks the host about the chosen input and output and offers the run, blocking a plain start', async () => {
    const { api, store } = await offered();
    expect(api.requestsOf('output:unfinished').at(-1)).toEqual({
      input: '/data/notes.txt',
      output: '/data/notes.embeddings.jsonl',
    });
    expect(store.getState().unfinished).toEqual(unfinishedRun());
    expect(startBlockers(store.getState())).toEqual([
      'An unfinished run of this output is saved: resume it or start over.',
    ]);
    await store.getState().actions.start();
    expect(api.requestsOf('job:start')).toEqual([]);
  });

  it('says when the unfinished run is of another input', async () => {
    const { store } = await offered(unfinishedRun({ input: '/data/old.txt', sameInput: false }));
    expect(startBlockers(store.getState())).toEqual([
      'An unfinished run of another input is saved in this output: start over, or choose another output file.',
    ]);
  });

  it('offers to finish a run that only needs its files renamed, and words a refused start for it', async () => {
    const complete: UnfinishedRun = { input: '/data/notes.txt', sameInput: true, model: 'mini', complete: true };
    const { api, store } = await offered(complete);
    expect(startBlockers(store.getState())).toEqual([
      'A run of this output only needs its files renamed: finish it or start over.',
    ]);
    api.reply('job:start', () => ({
      ok: false,
      error: {
        code: 'OUTPUT_EXISTS',
        message:
          '/data/notes.embeddings.jsonl is complete: its run had done every line and was stopped while giving the files their final names, which is done now.',
        remedy: { kind: 'embedAgain' },
      },
    }));
    api.reply('output:unfinished', () => ok(null));
    await store.getState().actions.resumeUnfinishedRun();
    expect(api.requestsOf('job:start').at(-1)).toMatchObject({ resume: true, overwrite: false });
    expect(store.getState().settings.outputError).toMatchObject({
      code: 'OUTPUT_EXISTS',
      hint: 'Nothing is left to do; tick “Replace the output if it already exists” to embed the input again.',
    });
    expect(store.getState().unfinished).toBeNull();
  });

  it('resumes the run or starts over with the form’s settings, and asks again once the run ends', async () => {
    const { api, store } = await offered();
    const { actions } = store.getState();
    actions.setNumber('memoryLimitMb', '');
    api.reply('job:start', () => ok(jobState(1, 'running')));
    await actions.resumeUnfinishedRun();
    expect(api.requestsOf('job:start').at(-1)).toMatchObject({
      output: '/data/notes.embeddings.jsonl',
      memoryLimitMb: null,
      resume: true,
      overwrite: false,
    });
    expect(store.getState().unfinished).toBeNull();

    const asked = api.requestsOf('output:unfinished').length;
    actions.setOutputPath('/data/elsewhere.jsonl');
    expect(api.requestsOf('output:unfinished')).toHaveLength(asked);
    api.emit(
      'job:state',
      jobState(1, 'failed', { error: { code: 'MEMORY_LIMIT', message: 'Over the limit.', resumeAfterLine: 64 } }),
    );
    await settle();
    expect(api.requestsOf('output:unfinished').at(-1)).toEqual({
      input: '/data/notes.txt',
      output: '/data/elsewhere.jsonl',
    });
    expect(store.getState().unfinished).toEqual(unfinishedRun());

    api.reply('job:start', () => ok(jobState(2, 'running')));
    await store.getState().actions.startOver();
    expect(api.requestsOf('job:start').at(-1)).toMatchObject({ resume: false, overwrite: true });
    expect(store.getState().settings.overwrite).toBe(false);
  });

  it('keeps only the answer about the paths chosen last, and shows none while a newer question is open', async () => {
    const api = new FakeStudioApi();
    const answers: Array<() => void> = [];
    api.reply(
      'output:unfinished',
      ({ output }) =>
        new Promise((resolve) => answers.push(() => resolve(ok(output === '/out/b.jsonl' ? unfinishedRun() : null)))),
    );
    const { store } = await ready(api);
    store.getState().actions.setOutputPath('/out/b.jsonl');
    answers.at(-1)?.();
    await settle();
    expect(store.getState().unfinished).toEqual(unfinishedRun());
    store.getState().actions.setOutputPath('/out/c.jsonl');
    expect(store.getState().unfinished).toBeNull();
    store.getState().actions.setOutputPath('/out/b.jsonl');
    answers.at(-2)?.();
    await settle();
    expect(store.getState().unfinished).toBeNull();
    answers.at(-1)?.();
    await settle();
    expect(store.getState().unfinished).toEqual(unfinishedRun());
  });

  it('asks nothing without both paths, and offers nothing when the host cannot tell', async () => {
    const api = new FakeStudioApi();
    api.reply('output:unfinished', () => ({ ok: false, error: { code: 'FILE_UNREADABLE', message: 'EACCES' } }));
    const { store } = await started(api);
    expect(api.requestsOf('output:unfinished')).toEqual([]);
    store.getState().actions.setOutputPath('/out/vectors.jsonl');
    expect(api.requestsOf('output:unfinished')).toEqual([]);
    store.getState().actions.setInputPath('/data/notes.txt');
    await settle();
    expect(api.requestsOf('output:unfinished')).toEqual([{ input: '/data/notes.txt', output: '/out/vectors.jsonl' }]);
    expect(store.getState().unfinished).toBeNull();
  });

  it('words the hints about unfinished runs with the app’s buttons instead of command-line flags', async () => {
    const api = new FakeStudioApi();
    const refusal: ReplyError = {
      code: 'OUTPUT_EXISTS',
      message: 'An unfinished run of /data/notes.embeddings.jsonl is saved, done up to line 1234 of /data/notes.txt.',
      remedy: { kind: 'resumeOrStartOver' },
    };
    api.reply('job:start', () => ({ ok: false, error: refusal }));
    const { store } = await ready(api);
    // The run appeared after the form last asked: the refusal is the first to tell.
    api.reply('output:unfinished', () => ok(unfinishedRun()));
    await store.getState().actions.start();
    expect(store.getState().settings.outputError).toEqual({
      ...refusal,
      hint: 'Press Resume unfinished run to continue it, or Start over to start again from the first line.',
    });
    expect(store.getState().unfinished).toEqual(unfinishedRun());

    api.reply('job:start', () => ok(jobState(1, 'running')));
    await store.getState().actions.resumeUnfinishedRun();
    const failed: ReplyError = {
      code: 'MEMORY_LIMIT',
      message: 'The process uses 900 MiB, over the memory limit of 800 MiB; the run was stopped.',
      remedy: { kind: 'useLessMemory' },
      resumeAfterLine: 1296,
    };
    api.emit('job:state', jobState(1, 'failed', { error: failed }));
    expect(store.getState().job.error).toEqual({
      ...failed,
      hint: 'Lower the batch size or threads, or raise the memory limit, then press Resume unfinished run to go on after line 1,296.',
    });

    api.reply('job:start', () => ok(jobState(2, 'running')));
    await store.getState().actions.resumeUnfinishedRun();
    api.emit(
      'job:state',
      jobState(2, 'failed', {
        error: {
          code: 'RESUME_REFUSED',
          message: 'The unfinished run cannot be resumed: it used another model file.',
          remedy: { kind: 'resumeWithSameSettings' },
        },
      }),
    );
    expect(store.getState().job.error?.hint).toBe(
      'Press Start over to start again from the first line; to resume instead, choose the input, model and settings the unfinished run had.',
    );
  });
});
