import { inAppWords } from './appHints';
import { effectiveField, suggestOutputPath } from './settingsSync';
import type { Slice, SliceContext } from './sliceContext';
import type { InputActions } from './types';

/** The input file: its path, format and JSON field, and what inspecting it found. */
export function createInputSlice(context: SliceContext): Slice<'input', InputActions> {
  const { api, get, patch, scheduleSave, findUnfinished } = context;
  let inspectRun = 0;

  const actions: InputActions = {
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
  };

  const input = { path: '', format: null, field: '', info: null, inspecting: false, error: null };
  return { state: { input }, actions };
}
