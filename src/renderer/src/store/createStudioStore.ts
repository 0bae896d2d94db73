import { createStore, type StoreApi } from 'zustand/vanilla';
import type { StudioApi } from '#shared/contract';
import { createExploreSlice } from './exploreSlice';
import { createInputSlice } from './inputSlice';
import { withJobState, withLog, withMetrics, withProgress } from './jobEvents';
import { createJobSlice } from './jobSlice';
import { createLibrarySlice } from './librarySlice';
import { createModelSlice } from './modelSlice';
import { createSettingsSlice } from './settingsSlice';
import { formFromSettings } from './settingsSync';
import type { SliceContext } from './sliceContext';
import type { StudioActions, StudioState } from './types';
import { createViewSlice } from './viewSlice';

export type StudioStore = StoreApi<StudioState>;

export interface StudioStoreOptions {
  /** How long settings wait after the last change before they are saved. */
  saveDelayMs?: number;
}

/** The store: the slices (model, library, input, settings, job, view, explore) combined, with what belongs to the app as a whole. */
export function createStudioStore(api: StudioApi, options: StudioStoreOptions = {}): StudioStore {
  const saveDelayMs = options.saveDelayMs ?? 500;

  return createStore<StudioState>()((set, get) => {
    const context: SliceContext = {
      api,
      set,
      get,
      patch: (slice, value) => set((state) => ({ [slice]: { ...state[slice], ...value } })),
      // The settings and job slices are made below; these are only called once the store exists.
      scheduleSave: () => settingsSlice.scheduleSave(),
      findUnfinished: () => jobSlice.findUnfinished(),
    };
    const { patch } = context;
    const modelSlice = createModelSlice(context);
    const librarySlice = createLibrarySlice(context);
    const inputSlice = createInputSlice(context);
    const settingsSlice = createSettingsSlice(context, saveDelayMs);
    const jobSlice = createJobSlice(context);
    const viewSlice = createViewSlice(context);
    const exploreSlice = createExploreSlice(context);
    const { applyRun, findUnfinished } = jobSlice;

    const actions: StudioActions = {
      ...modelSlice.actions,
      ...librarySlice.actions,
      ...inputSlice.actions,
      ...settingsSlice.actions,
      ...jobSlice.actions,
      ...viewSlice.actions,
      ...exploreSlice.actions,

      async init() {
        const unsubscribe = [
          api.on('job:state', (payload) => applyRun(withJobState(get(), payload))),
          api.on('job:progress', (payload) => applyRun(withProgress(get(), payload))),
          api.on('job:metrics', (payload) => applyRun(withMetrics(get(), payload))),
          api.on('job:log', (payload) => applyRun(withLog(get(), payload))),
          api.on('model:notice', ({ path, message }) => {
            if (get().model.loading && path === get().model.path.trim()) patch('model', { notice: message });
          }),
          api.on('explore:mapProgress', ({ output, phase, done, total }) => {
            if (get().explore.mapping && get().explore.opened?.output === output)
              patch('explore', { mapping: { phase, done, total } });
          }),
          api.on('explore:indexProgress', ({ output, done, total }) => {
            if (get().explore.indexing && get().explore.opened?.output === output)
              patch('explore', { indexing: { done, total } });
          }),
          api.on('explore:duplicatesProgress', ({ output, phase, done, total }) => {
            if (get().explore.findingDuplicates && get().explore.opened?.output === output)
              patch('explore', { findingDuplicates: { phase, done, total } });
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
          settingsSlice.cancelSave();
        };
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
        // Where the dropped model or input shows.
        if (files.length > 0) actions.showView('embed');
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
      ...modelSlice.state,
      ...librarySlice.state,
      ...inputSlice.state,
      ...settingsSlice.state,
      ...jobSlice.state,
      ...viewSlice.state,
      ...exploreSlice.state,
      actions,
    };
  });
}
