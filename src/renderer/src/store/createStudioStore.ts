import { createStore, type StoreApi } from 'zustand/vanilla';
import type { JobStart, ReplyError, StudioApi } from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/errors';
import { OUTPUT_FORMATS, type OutputFormat } from '../../../shared/engine';
import { inAppWords } from './appHints';
import { withJobState, withLog, withMetrics, withProgress } from './jobEvents';
import { createLibraryActions, emptyLibrary } from './libraryActions';
import { emptyLog } from './logEntries';
import { emptyMetrics } from './metricsHistory';
import { parseNumberField, type NumberField } from './numberFields';
import { effectiveField, formFromSettings, jobSettingsOf, settingsOf, suggestOutputPath } from './settingsSync';
import { isActive, runBlockers, startBlockers } from './startGuard';
import type { JobAction, StudioState } from './types';

export type StudioStore = StoreApi<StudioState>;

export interface StudioStoreOptions {
  /** How long settings wait after the last change before they are saved. */
  saveDelayMs?: number;
}

type Slice = 'model' | 'library' | 'input' | 'settings' | 'job';

const INPUT_FIELDS: ReadonlySet<string> = new Set(['input', 'inputFormat', 'field']);
const INPUT_FILE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['FILE_NOT_FOUND', 'FILE_UNREADABLE', 'NOT_A_FILE']);
const OUTPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['OUTPUT_EXISTS', 'OUTPUT_UNWRITABLE', 'OUTPUT_IS_INPUT']);

export function createStudioStore(api: StudioApi, options: StudioStoreOptions = {}): StudioStore {
  const saveDelayMs = options.saveDelayMs ?? 500;

  return createStore<StudioState>()((set, get) => {
    let saveTimer: ReturnType<typeof setTimeout> | null = null;
    let inspectRun = 0;
    let unfinishedQuery = 0;

    function patch<K extends Slice>(slice: K, value: Partial<StudioState[K]>): void {
      set((state) => ({ [slice]: { ...state[slice], ...value } }) as Partial<StudioState>);
    }

    function applyRun(run: Pick<StudioState, 'job' | 'metrics' | 'log'> | null): void {
      if (!run) return;
      const wasActive = isActive(get().job.status);
      const active = isActive(run.job.status);
      // A run's own checkpoint is no unfinished run to offer; once it ends, it may have left one.
      set(active ? { ...run, unfinished: null } : run);
      if (wasActive && !active) void findUnfinished();
    }

    /** Asks the host whether the chosen output has an unfinished run, unless a run goes. */
    async function findUnfinished(): Promise<void> {
      const query = ++unfinishedQuery;
      const { input, settings, job } = get();
      set({ unfinished: null });
      const params = { input: input.path.trim(), output: settings.output.trim() };
      if (!params.input || !params.output || isActive(job.status)) return;
      const reply = await api.request('output:unfinished', params);
      if (query !== unfinishedQuery || isActive(get().job.status)) return;
      // A checkpoint that cannot be read offers nothing; starting reports what is wrong with the output.
      set({ unfinished: reply.ok ? reply.value : null });
    }

    function scheduleSave(): void {
      if (!get().settings.loaded) return;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        saveTimer = null;
        void api.request('settings:set', settingsOf(get())).then((reply) => {
          patch('settings', { saveError: reply.ok ? null : reply.error });
        });
      }, saveDelayMs);
    }

    function noPath(what: string): ReplyError {
      const elsewhere = get().host === 'electron' ? ' Or use Browse…, or drop the file on the window.' : '';
      return { code: 'NO_PATH', message: `Enter the path of ${what} first.`, hint: elsewhere.trim() || undefined };
    }

    /** Puts a refused start next to the control it is about, in the app's words. */
    async function placeStartError(refusal: ReplyError): Promise<void> {
      // The output may have an unfinished run the form has not heard of yet.
      if (refusal.code === 'OUTPUT_EXISTS') await findUnfinished();
      const error = inAppWords(refusal, get().unfinished);
      if (error.field === 'output' || OUTPUT_CODES.has(error.code)) patch('settings', { outputError: error });
      else if (error.code === 'NO_MODEL') patch('model', { error, info: null });
      else if ((error.field && INPUT_FIELDS.has(error.field)) || INPUT_FILE_CODES.has(error.code)) {
        patch('input', { error });
      } else if (error.field === 'batchSize' || error.field === 'memoryLimitMb') {
        const field: NumberField = error.field;
        patch('settings', { errors: { ...get().settings.errors, [field]: error.message } });
      } else patch('job', { error });
    }

    /** Starts a run with the form's settings: from the first line, or as `how` says about an unfinished run. */
    async function startJob(how?: Pick<JobStart, 'resume' | 'overwrite'>): Promise<void> {
      const state = get();
      const blockers = how ? runBlockers(state) : startBlockers(state);
      if (state.job.pending || blockers.length > 0) return;
      patch('job', { pending: 'start', error: null });
      patch('input', { error: null });
      patch('settings', { outputError: null });
      const reply = await api.request('job:start', { ...jobSettingsOf(state), resume: false, ...how });
      patch('job', { pending: null });
      if (reply.ok) applyRun(withJobState(get(), reply.value));
      else await placeStartError(reply.error);
    }

    async function jobRequest(action: Exclude<JobAction, 'start'>): Promise<void> {
      if (get().job.pending) return;
      patch('job', { pending: action, error: null });
      const reply = await api.request(`job:${action}`, {});
      patch('job', { pending: null });
      if (reply.ok) applyRun(withJobState(get(), reply.value));
      else patch('job', { error: reply.error });
    }

    const actions: StudioState['actions'] = {
      ...createLibraryActions({ api, get, patch: (value) => patch('library', value), form: () => actions }),

      async init() {
        const unsubscribe = [
          api.on('job:state', (payload) => applyRun(withJobState(get(), payload))),
          api.on('job:progress', (payload) => applyRun(withProgress(get(), payload))),
          api.on('job:metrics', (payload) => applyRun(withMetrics(get(), payload))),
          api.on('job:log', (payload) => applyRun(withLog(get(), payload))),
          api.on('model:notice', ({ path, message }) => {
            if (get().model.loading && path === get().model.path.trim()) patch('model', { notice: message });
          }),
          api.on('models:download', (download) => {
            const current = get().library.download;
            if (!current || download.id >= current.id) patch('library', { download });
          }),
        ];
        const [saved, model, job, system] = await Promise.all([
          api.request('settings:get', {}),
          api.request('model:info', {}),
          api.request('job:state', {}),
          api.request('system:info', {}),
        ]);
        if (saved.ok) set((state) => formFromSettings(saved.value, state));
        else patch('settings', { loaded: true });
        if (model.ok && model.value) patch('model', { info: model.value, path: get().model.path || model.value.path });
        if (job.ok) applyRun(withJobState(get(), job.value));
        if (system.ok) set({ system: system.value });
        void findUnfinished();
        const failed = [saved, model, job, system].find((reply) => !reply.ok);
        set({ appError: failed && !failed.ok ? failed.error : null });
        if (get().input.path.trim()) void actions.inspectInput();
        void actions.refreshLibrary();
        return () => {
          for (const each of unsubscribe) each();
          if (saveTimer) clearTimeout(saveTimer);
        };
      },

      setModelPath(path) {
        patch('model', { path, error: null });
        scheduleSave();
      },

      async pickModel() {
        const reply = await api.request('model:pick', {});
        if (!reply.ok) patch('model', { error: inAppWords(reply.error) });
        else if (reply.value) actions.setModelPath(reply.value);
      },

      async loadModel() {
        const { model, settings } = get();
        const path = model.path.trim();
        if (!path) return patch('model', { error: noPath('a .gguf model file') });
        if (settings.errors.threads || settings.errors.contextSize) {
          return patch('model', {
            error: { code: 'BAD_OPTION', message: 'Fix the threads or context size under Settings first.' },
          });
        }
        patch('model', { loading: true, error: null, notice: null });
        const reply = await api.request('model:load', {
          path,
          gpu: settings.gpu,
          threads: settings.values.threads,
          contextSize: settings.values.contextSize,
        });
        if (!reply.ok) {
          const current = await api.request('model:info', {});
          patch('model', { loading: false, error: inAppWords(reply.error), info: current.ok ? current.value : get().model.info });
          return;
        }
        patch('model', { loading: false, info: reply.value });
        scheduleSave();
        if (get().input.path.trim()) void actions.inspectInput();
      },

      setInputPath(path) {
        const { settings } = get();
        patch('input', { path, info: null, error: null });
        if (settings.outputSuggested) patch('settings', { output: suggestOutputPath(path, settings.format) });
        scheduleSave();
        void findUnfinished();
      },

      async pickInput() {
        const reply = await api.request('input:pick', {});
        if (!reply.ok) return patch('input', { error: inAppWords(reply.error) });
        if (!reply.value) return;
        actions.setInputPath(reply.value);
        await actions.inspectInput();
      },

      setInputFormat(format) {
        patch('input', { format });
        scheduleSave();
        void actions.inspectInput();
      },

      setInputField(field) {
        patch('input', { field });
        scheduleSave();
      },

      async inspectInput() {
        const run = ++inspectRun;
        const { input } = get();
        const path = input.path.trim();
        if (!path) return patch('input', { info: null, error: null, inspecting: false });
        patch('input', { inspecting: true, error: null });
        const reply = await api.request('input:inspect', { path, format: input.format, field: effectiveField(input) });
        if (run !== inspectRun) return;
        if (reply.ok) patch('input', { inspecting: false, info: reply.value, error: null });
        else patch('input', { inspecting: false, info: null, error: inAppWords(reply.error) });
      },

      setGpu(gpu) {
        patch('settings', { gpu });
        scheduleSave();
      },

      setNormalize(normalize) {
        patch('settings', { normalize });
        scheduleSave();
      },

      setPrefix(prefix) {
        patch('settings', { prefix });
        scheduleSave();
      },

      setOnLong(onLong) {
        patch('settings', { onLong });
        scheduleSave();
      },

      setOutputFormat(format) {
        const { settings, input } = get();
        const output = settings.outputSuggested
          ? suggestOutputPath(input.path, format)
          : settings.output.replace(new RegExp(`\\.${settings.format}$`), `.${format}`);
        patch('settings', { format, output, outputError: null });
        scheduleSave();
        void findUnfinished();
      },

      setOutputPath(path) {
        const format = OUTPUT_FORMATS.find((each: OutputFormat) => path.trim().toLowerCase().endsWith(`.${each}`));
        patch('settings', { output: path, outputSuggested: false, outputError: null, format: format ?? get().settings.format });
        scheduleSave();
        void findUnfinished();
      },

      async pickOutput() {
        const { settings, input } = get();
        const suggestedPath = settings.output.trim() || suggestOutputPath(input.path, settings.format) || null;
        const reply = await api.request('output:pick', { suggestedPath });
        if (!reply.ok) patch('settings', { outputError: inAppWords(reply.error) });
        else if (reply.value) actions.setOutputPath(reply.value);
      },

      setOverwrite(overwrite) {
        patch('settings', { overwrite, outputError: null });
        scheduleSave();
      },

      setStopOnError(stopOnError) {
        patch('settings', { stopOnError });
        scheduleSave();
      },

      setNumber(field, text) {
        const { settings } = get();
        const parsed = parseNumberField(field, text);
        const { [field]: _previous, ...otherErrors } = settings.errors;
        patch('settings', {
          texts: { ...settings.texts, [field]: text },
          values: parsed.ok ? { ...settings.values, [field]: parsed.value } : settings.values,
          errors: parsed.ok ? otherErrors : { ...otherErrors, [field]: parsed.message },
        });
        if (parsed.ok) scheduleSave();
      },

      start: () => startJob(),
      resumeUnfinishedRun: () => startJob({ resume: true, overwrite: false }),
      startOver: () => startJob({ resume: false, overwrite: true }),

      pause: () => jobRequest('pause'),
      resume: () => jobRequest('resume'),
      cancel: () => jobRequest('cancel'),

      async reveal(path) {
        const reply = await api.request('output:reveal', { path });
        patch('job', { revealError: reply.ok ? null : reply.error });
      },

      dropFiles(files) {
        for (const file of files) {
          const path = api.pathForFile(file);
          if (!path) {
            const notice =
              api.host === 'browser'
                ? 'Files can’t be dropped in the browser: type the file’s path instead.'
                : `Could not tell where “${file.name}” is on disk: use Browse… instead.`;
            return set({ notice });
          }
          if (/\.gguf$/i.test(path)) actions.setModelPath(path);
          else {
            actions.setInputPath(path);
            void actions.inspectInput();
          }
        }
        set({ notice: null });
      },

      dismissNotice() {
        set({ notice: null });
      },
    };

    return {
      host: api.host,
      system: null,
      appError: null,
      notice: null,
      unfinished: null,
      model: { path: '', info: null, loading: false, error: null, notice: null },
      library: emptyLibrary(),
      input: { path: '', format: null, field: '', info: null, inspecting: false, error: null },
      settings: {
        loaded: false,
        gpu: 'auto',
        normalize: 'l2',
        prefix: '',
        onLong: 'truncate',
        format: 'jsonl',
        output: '',
        outputSuggested: true,
        outputError: null,
        overwrite: false,
        stopOnError: false,
        texts: { batchSize: '32', threads: '', contextSize: '', memoryLimitMb: '' },
        values: { batchSize: 32, threads: null, contextSize: null, memoryLimitMb: null },
        errors: {},
        saveError: null,
      },
      job: {
        status: 'idle',
        jobId: null,
        settings: null,
        progress: null,
        summary: null,
        partialStats: null,
        error: null,
        revealError: null,
        pending: null,
      },
      metrics: emptyMetrics(),
      log: emptyLog(),
      actions,
    };
  });
}
