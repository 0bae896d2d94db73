import { inAppWords } from './appHints';
import { fieldOf, suggestOutputPath } from './settingsSync';
import type { Slice, SliceContext } from './sliceContext';
import type { InputActions } from './types';

/** The input, a file or a folder of documents: its path, format, JSON field and glob, and what inspecting it found. */
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

    pickInput: () => pick('input:pick'),
    pickInputFolder: () => pick('input:pickFolder'),

    setInputFormat(format) {
      patch('input', { format });
      scheduleSave();
      void actions.inspectInput();
    },

    setInputField(field) {
      patch('input', { field });
      scheduleSave();
    },

    setInputGlob(glob) {
      patch('input', { glob });
      scheduleSave();
    },

    async inspectInput() {
      const run = ++inspectRun;
      const { input, settings } = get();
      const path = input.path.trim();
      if (!path) return patch('input', { info: null, error: null, inspecting: false });
      patch('input', { inspecting: true, error: null });
      const reply = await api.request('input:inspect', {
        path,
        format: input.format,
        field: fieldOf(input),
        glob: input.glob.trim() || null,
        prefix: settings.prefix,
        chunkTokens: settings.values.chunkTokens,
        chunkOverlap: settings.values.chunkOverlap,
      });
      if (run !== inspectRun) return;
      if (reply.ok) patch('input', { inspecting: false, info: reply.value, error: null });
      else patch('input', { inspecting: false, info: null, error: inAppWords(reply.error) });
    },
  };

  async function pick(request: 'input:pick' | 'input:pickFolder'): Promise<void> {
    const reply = await api.request(request, {});
    if (!reply.ok) return patch('input', { error: inAppWords(reply.error) });
    if (!reply.value) return;
    actions.setInputPath(reply.value);
    await actions.inspectInput();
  }

  const input = { path: '', format: null, field: '', glob: '', info: null, inspecting: false, error: null };
  return { state: { input }, actions };
}
