import type { ReplyError, UnfinishedRun } from '#shared/contract';
import type { OptionName, Remedy } from '#shared/errors';
import { LIMITS } from '#shared/limits';
import { formatCount } from '#shared/format';

/**
 * An error with its hint in the app's words: the remedy of an engine error said with the app's buttons and settings.
 * An error that already has a hint (the host's own, the app's, or one worded before) is kept as it is. `unfinished` is
 * the unfinished run of the output a refused start was about.
 */
export function inAppWords(error: ReplyError, unfinished: UnfinishedRun | null = null): ReplyError {
  if (error.hint !== undefined || !error.remedy) return error;
  return { ...error, hint: appHint(error.remedy, error.resumeAfterLine, unfinished) };
}

/** What to do, with the app's buttons and fields; `resumeAfterLine` is where a resumed run would go on. */
export function appHint(remedy: Remedy, resumeAfterLine?: number, unfinished: UnfinishedRun | null = null): string {
  const then =
    resumeAfterLine === undefined
      ? ''
      : `, then press Resume unfinished run to go on after line ${formatCount(resumeAfterLine)}`;
  switch (remedy.kind) {
    case 'advice':
      return remedy.text;
    case 'checkPath':
      return 'Check the path, or choose the file with Browse….';
    case 'chooseFile':
      return remedy.found === 'folder' ? 'Choose a file, not a folder.' : 'Choose a regular file.';
    case 'createFolder':
      return 'Create the folder first, or choose an output file in another one.';
    case 'chooseOutput':
      return CHOOSE_OUTPUT[remedy.why];
    case 'moveAwayOrChooseOutput':
      return 'Choose another output file, or move that one away.';
    case 'moveAwayOrOverwrite':
      return 'Move or delete it, or tick “Replace the output if it already exists” to replace it.';
    case 'overwriteOrChooseOutput':
      return 'Choose another output file, or tick “Replace the output if it already exists”.';
    case 'resumeOrStartOver':
      if (!unfinished) return 'Choose another output file, or tick “Replace the output if it already exists”.';
      return unfinished.sameInput
        ? 'Press Resume unfinished run to continue it, or Start over to start again from the first line.'
        : 'Press Start over to embed the chosen input from the first line instead, or choose another output file.';
    case 'embedAgain':
      return 'Nothing is left to do; tick “Replace the output if it already exists” to embed the input again.';
    case 'startOver':
      return 'Press Start over to start again from the first line.';
    case 'resumeWithSameSettings':
      return 'Press Start over to start again from the first line; to resume instead, choose the input, model and settings the unfinished run had.';
    case 'reuseMatchingOutput':
      return 'Choose an earlier output made with this model and these settings to reuse, or none to embed every line.';
    case 'replaceCheckpoint':
      return 'Tick “Replace the output if it already exists” to start again from the first line, which replaces it; or choose another output file.';
    case 'embedOutputAgain':
      return 'Embed its input again with “Replace the output if it already exists” ticked: a finished run writes the record beside its output.';
    case 'chooseRunModel':
      return `Put the model that made the output, ${remedy.file}, back where its run found it or in the models folder (see Models), then search again.`;
    case 'rebuildIndex':
      return 'Build the index of the output again.';
    case 'chooseRowLine':
      return `Choose the line of a row, 1-${formatCount(remedy.last)}; the skip log lists the lines that were not embedded.`;
    case 'restoreInput': {
      const goOn = then || `, then press Resume unfinished run to go on after line ${formatCount(remedy.lastLine)}`;
      return `Put the input file back as it was${goOn}; or press Start over to start again from the first line.`;
    }
    case 'finishMove':
      return 'Mend that, then choose the same output file again: the finished files are moved into place.';
    case 'freeDiskSpace':
      if (remedy.folder === 'models') {
        return 'Free some space, or choose another models folder; a partly downloaded file resumes where it stopped.';
      }
      return then
        ? `Free some space on the disk${then}.`
        : 'Free some space, or choose an output file on another disk.';
    case 'chooseModelsFolder':
      return 'Choose another models folder.';
    case 'useLessMemory':
      return `Lower the batch size or threads, or raise the memory limit${then}.`;
    case 'handleLongTexts':
      return then
        ? `Choose to truncate or skip texts longer than the context${then}.`
        : 'Choose to truncate or skip texts longer than the context, or a larger context size if the model was trained for it.';
    case 'skipFailedLines':
      return `Untick “Stop at the first line that fails to embed” to log such lines and go on${then}.`;
    case 'fixSkippedLines':
      return 'Check the input file and its settings (the JSON Lines field, the long-text policy): the skip log gives the reason for each line.';
    case 'chooseBackend':
      return 'Choose the backend “Best available” or “CPU only”, then load the model again.';
    case 'buildEngine':
      return 'Run npm run build:engine, or let the engine be chosen automatically.';
    case 'chooseFormat':
      return 'End the output file’s name in .jsonl, .npy or .parquet, or choose the output format.';
    case 'fixOption':
      return `Change “${OPTION_LABELS[remedy.option]}” in the settings${remedy.example === undefined ? '' : `, for example to ${remedy.example}`}.`;
    case 'fewerDimensions':
      return `Set “${LIMITS.dimensions.label}” to ${formatCount(remedy.max)} or less, or leave it empty to keep them all.`;
    case 'downloadModel':
      return remedy.catalog
        ? 'Download it first with its Download button in the catalog.'
        : 'Download it first with the address field under the catalog.';
  }
}

const CHOOSE_OUTPUT: Record<Extract<Remedy, { kind: 'chooseOutput' }>['why'], string> = {
  isFolder: 'Choose another output file.',
  isInput: 'Choose another output file: the input is read while the output is written.',
  folderUnwritable: 'Choose an output file in a folder you can write to.',
  checkpointUnreadable: 'Check its permissions, or choose another output file.',
};

const OPTION_LABELS: Record<OptionName, string> = {
  threads: LIMITS.threads.label,
  contextSize: LIMITS.contextSize.label,
  batchSize: LIMITS.batchSize.label,
  memoryLimitMb: LIMITS.memoryLimitMb.label,
  dimensions: LIMITS.dimensions.label,
  normalize: 'Normalization',
  onLong: 'Texts longer than the context',
  chunkTokens: LIMITS.chunkTokens.label,
  chunkOverlap: LIMITS.chunkOverlap.label,
  glob: 'Files to read',
};
