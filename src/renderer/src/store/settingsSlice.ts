import { OUTPUT_FORMATS, type OutputFormat } from '#shared/engine';
import { inAppWords } from './appHints';
import { parseNumberField } from './numberFields';
import { isFolderInput, settingsOf, suggestOutputPath } from './settingsSync';
import type { Slice, SliceContext } from './sliceContext';
import type { SettingsActions } from './types';

export interface SettingsWithSaving extends Slice<'settings', SettingsActions> {
  /** Saves the settings `saveDelayMs` after the last change, once the saved ones were read. */
  scheduleSave(): void;
  /** Drops a save still waiting. */
  cancelSave(): void;
}

/** The rest of the form (hardware, texts, output, number fields), and saving the form between sessions. */
export function createSettingsSlice(context: SliceContext, saveDelayMs: number): SettingsWithSaving {
  const { api, get, patch, findUnfinished } = context;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;

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

  /** A folder's preview shows its first document's chunks as the prefix and chunk sizes cut them. */
  function previewChunksAgain(): void {
    if (isFolderInput(get().input)) void get().actions.inspectInput();
  }

  const actions: SettingsActions = {
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
      previewChunksAgain();
    },

    setOnLong(onLong) {
      patch('settings', { onLong });
      scheduleSave();
    },

    setPrecision(precision) {
      patch('settings', { precision });
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
      patch('settings', {
        output: path,
        outputSuggested: false,
        outputError: null,
        format: format ?? get().settings.format,
      });
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
      if (!parsed.ok) return;
      scheduleSave();
      if (field === 'chunkTokens' || field === 'chunkOverlap') previewChunksAgain();
    },
  };

  return {
    state: {
      settings: {
        loaded: false,
        gpu: 'auto',
        normalize: 'l2',
        prefix: '',
        onLong: 'truncate',
        format: 'jsonl',
        precision: 'float32',
        output: '',
        outputSuggested: true,
        outputError: null,
        overwrite: false,
        stopOnError: false,
        texts: {
          batchSize: '32',
          threads: '',
          contextSize: '',
          memoryLimitMb: '',
          dimensions: '',
          chunkTokens: '',
          chunkOverlap: '',
        },
        values: {
          batchSize: 32,
          threads: null,
          contextSize: null,
          memoryLimitMb: null,
          dimensions: null,
          chunkTokens: null,
          chunkOverlap: null,
        },
        errors: {},
        saveError: null,
      },
    },
    actions,
    scheduleSave,
    cancelSave() {
      if (saveTimer) clearTimeout(saveTimer);
    },
  };
}
