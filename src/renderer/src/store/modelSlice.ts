import type { ReplyError } from '#shared/contract';
import { inAppWords } from './appHints';
import type { Slice, SliceContext } from './sliceContext';
import type { ModelActions } from './types';

/** The model to load: its path as typed, loading it, and what is loaded. */
export function createModelSlice({ api, get, patch, scheduleSave }: SliceContext): Slice<'model', ModelActions> {
  function noPath(what: string): ReplyError {
    const elsewhere = get().host === 'electron' ? ' Or use Browse…, or drop the file on the window.' : '';
    return { code: 'NO_PATH', message: `Enter the path of ${what} first.`, hint: elsewhere.trim() || undefined };
  }

  const actions: ModelActions = {
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
        patch('model', {
          loading: false,
          error: inAppWords(reply.error),
          info: current.ok ? current.value : get().model.info,
        });
        return;
      }
      patch('model', { loading: false, info: reply.value });
      scheduleSave();
      if (get().input.path.trim()) void get().actions.inspectInput();
    },
  };

  return { state: { model: { path: '', info: null, loading: false, error: null, notice: null } }, actions };
}
