import type { JobSettings, Settings } from '#shared/contract';
import type { InputFormat } from '#shared/engine';
import type { StudioState } from './types';

type Form = Pick<StudioState, 'model' | 'input' | 'settings'>;

/** The JSONL field to send: only for JSONL input, and only when one was typed. */
function effectiveField(input: Form['input']): string | null {
  const format: InputFormat | null = input.format ?? (input.info?.kind === 'file' ? input.info.format : null);
  const field = input.field.trim();
  return format === 'jsonl' && field ? field : null;
}

/** The input was inspected as a folder of documents: they are always cut into chunks, and chosen by the glob. */
export function isFolderInput(input: Form['input']): boolean {
  return input.info?.kind === 'folder';
}

/** The field of a folder's JSON Lines and CSV documents; a file's JSONL field. */
export function fieldOf(input: Form['input']): string | null {
  return isFolderInput(input) ? input.field.trim() || null : effectiveField(input);
}

/** What `job:start` is asked to run, from the form. */
export function jobSettingsOf({ input, settings }: Form): JobSettings {
  const folder = isFolderInput(input);
  return {
    input: input.path.trim(),
    inputFormat: folder ? null : input.format,
    field: fieldOf(input),
    glob: folder ? input.glob.trim() || null : null,
    output: settings.output.trim(),
    format: settings.format,
    overwrite: settings.overwrite,
    batchSize: settings.values.batchSize,
    normalize: settings.normalize,
    dimensions: settings.values.dimensions,
    precision: settings.precision,
    prefix: settings.prefix,
    onLong: folder ? 'chunk' : settings.onLong,
    chunkTokens: settings.values.chunkTokens,
    chunkOverlap: settings.values.chunkOverlap,
    continueOnError: !settings.stopOnError,
    memoryLimitMb: settings.values.memoryLimitMb,
  };
}

/** The form as remembered between sessions; empty paths are left out, since the host only accepts real ones. */
export function settingsOf(form: Form): Settings {
  const { model, settings } = form;
  const { input, output, ...rest } = jobSettingsOf(form);
  // The form's own choices, whatever the input is: a folder's chunk policy is not the one chosen for files.
  const job: Settings['job'] = {
    ...rest,
    field: form.input.field.trim() || null,
    glob: form.input.glob.trim() || null,
    inputFormat: form.input.format,
    onLong: settings.onLong,
  };
  if (input) job.input = input;
  if (output && !settings.outputSuggested) job.output = output;
  return {
    modelPath: model.path.trim(),
    gpu: settings.gpu,
    threads: settings.values.threads,
    contextSize: settings.values.contextSize,
    job,
  };
}

/** The form filled in from remembered settings. */
export function formFromSettings(saved: Settings, form: Form): Form {
  const { model, input, settings } = form;
  const job = saved.job;
  const format = job.format ?? settings.format;
  const inputPath = job.input ?? input.path;
  const values = {
    batchSize: job.batchSize ?? settings.values.batchSize,
    threads: saved.threads,
    contextSize: saved.contextSize,
    memoryLimitMb: job.memoryLimitMb ?? null,
    dimensions: job.dimensions ?? null,
    chunkTokens: job.chunkTokens ?? null,
    chunkOverlap: job.chunkOverlap ?? null,
  };
  return {
    model: { ...model, path: saved.modelPath || model.path },
    input: {
      ...input,
      path: inputPath,
      format: job.inputFormat ?? null,
      field: job.field ?? '',
      glob: job.glob ?? '',
    },
    settings: {
      ...settings,
      loaded: true,
      gpu: saved.gpu,
      normalize: job.normalize ?? settings.normalize,
      prefix: job.prefix ?? settings.prefix,
      onLong: job.onLong ?? settings.onLong,
      format,
      precision: job.precision ?? settings.precision,
      output: job.output ?? suggestOutputPath(inputPath, format),
      outputSuggested: !job.output,
      overwrite: job.overwrite ?? settings.overwrite,
      stopOnError: job.continueOnError === undefined ? settings.stopOnError : !job.continueOnError,
      values,
      texts: {
        batchSize: String(values.batchSize),
        threads: values.threads === null ? '' : String(values.threads),
        contextSize: values.contextSize === null ? '' : String(values.contextSize),
        memoryLimitMb: values.memoryLimitMb === null ? '' : String(values.memoryLimitMb),
        dimensions: values.dimensions === null ? '' : String(values.dimensions),
        chunkTokens: values.chunkTokens === null ? '' : String(values.chunkTokens),
        chunkOverlap: values.chunkOverlap === null ? '' : String(values.chunkOverlap),
      },
      errors: {},
    },
  };
}

/** `/data/notes.txt` → `/data/notes.embeddings.jsonl`, next to the input. */
export function suggestOutputPath(inputPath: string, format: string): string {
  const path = inputPath.trim();
  if (!path) return '';
  const nameStart = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const dot = path.lastIndexOf('.');
  const stem = dot > nameStart ? path.slice(0, dot) : path;
  return `${stem}.embeddings.${format}`;
}
