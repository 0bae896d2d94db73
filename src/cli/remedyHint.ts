import type { SkipReason } from '#shared/engine';
import type { FileRole, OptionName, Remedy } from '#shared/errors';

const FILE_FLAGS: Record<FileRole, string> = { input: '--input', model: '--model' };

const OPTION_FLAGS: Record<OptionName, string> = {
  threads: '--threads',
  contextSize: '--context-size',
  batchSize: '--batch-size',
  memoryLimitMb: '--memory-limit',
  dimensions: '--dimensions',
  normalize: '--normalize',
  onLong: '--on-long',
  chunkTokens: '--chunk-tokens',
  chunkOverlap: '--chunk-overlap',
  glob: '--glob',
};

const CHOOSE_OUTPUT: Record<Extract<Remedy, { kind: 'chooseOutput' }>['why'], string> = {
  isFolder: 'Choose another --output path.',
  isInput: 'Choose another --output path: the input is read while the output is written.',
  folderUnwritable: 'Choose an --output path in a folder you can write to.',
  checkpointUnreadable: 'Check its permissions, or choose another --output path.',
};

const OPTION_VALUES: Partial<Record<OptionName, string>> = { memoryLimitMb: 'N (MiB)' };

/** What to do about an engine error, in the command line's words: its flags and commands. */
export function remedyHint(remedy: Remedy): string {
  switch (remedy.kind) {
    case 'advice':
      return remedy.text;
    case 'checkPath':
      return `Check the path given to ${FILE_FLAGS[remedy.role]}.`;
    case 'chooseFile':
      return `Pass the path of a ${remedy.found === 'folder' ? '' : 'regular '}file with ${FILE_FLAGS[remedy.role]}.`;
    case 'createFolder':
      return 'Create the folder first or choose another --output path.';
    case 'chooseOutput':
      return CHOOSE_OUTPUT[remedy.why];
    case 'moveAwayOrChooseOutput':
      return 'Move it away, or choose another --output path.';
    case 'moveAwayOrOverwrite':
      return 'Move or delete it, or pass --overwrite to replace it.';
    case 'overwriteOrChooseOutput':
      return 'Choose another --output path, or pass --overwrite to replace it.';
    case 'resumeOrStartOver':
      return 'Pass --resume to continue it, or --overwrite to start again from the first line.';
    case 'embedAgain':
      return 'Nothing is left to do; pass --overwrite to embed the input again.';
    case 'startOver':
      return 'Start again with --overwrite.';
    case 'resumeWithSameSettings':
      return 'Run it again with the same input, model and options, or pass --overwrite instead of --resume to start again.';
    case 'reuseMatchingOutput':
      return 'Pass --reuse an output made with this model and these options (its .run.json says which), or leave out --reuse to embed every line.';
    case 'replaceCheckpoint':
      return 'Its unfinished run cannot be resumed: start again with --overwrite, which replaces it, or move the file away.';
    case 'embedOutputAgain':
      return 'Embed its input again with embed --overwrite: a finished run writes the record beside its output.';
    case 'chooseRunModel':
      return `Pass --model with the model that made the output, ${remedy.file}.`;
    case 'rebuildIndex':
      return `Build it again with embedding-studio index --embeddings ${remedy.output}.`;
    case 'chooseRowLine':
      return `Pass --line with the line of a row, 1-${remedy.last}; the skip log lists the lines that were not embedded.`;
    case 'restoreInput': {
      const kept = `Lines 1-${remedy.lastLine} are embedded and kept`;
      return remedy.deleted
        ? `${kept}: put the file back unchanged and run again with --resume.`
        : `${kept}, but may not match the changed file: restore it and run again with --resume, or start again with --overwrite.`;
    }
    case 'finishMove':
      return 'Mend that and run the same command with --resume: it moves them into place.';
    case 'freeDiskSpace':
      return remedy.folder === 'output'
        ? 'Free some space or choose an --output on another disk.'
        : 'Free some space, or choose another models folder with --models-dir; a partly downloaded file resumes where it stopped.';
    case 'chooseModelsFolder':
      return 'Choose another models folder with --models-dir.';
    case 'useLessMemory':
      return 'Lower --batch-size or --threads, or raise --memory-limit.';
    case 'handleLongTexts':
      return 'Use --on-long truncate or skip, or a larger --context-size if the model was trained for it.';
    case 'skipFailedLines':
      return 'Leave out --stop-on-error to log such lines in the skip log and go on.';
    case 'fixSkippedLines':
      return skippedLinesHint(remedy.reason);
    case 'chooseBackend':
      return 'Use --gpu auto to pick the best available backend, or --gpu cpu.';
    case 'buildEngine':
      return 'Run npm run build:engine, or let the engine be chosen automatically.';
    case 'chooseFormat':
      return 'End the output name in .jsonl, .npy or .parquet, or pass --format jsonl|npy|parquet.';
    case 'fixOption': {
      const value = remedy.example ?? OPTION_VALUES[remedy.option] ?? 'N';
      return `Pass ${OPTION_FLAGS[remedy.option]} ${value}.`;
    }
    case 'fewerDimensions':
      return `Pass --dimensions ${remedy.max} or less, or leave it out to keep them all.`;
    case 'downloadModel':
      return 'Download it first with embedding-studio models pull, or give --model a model to download.';
  }
}

function skippedLinesHint(reason: SkipReason | null): string {
  switch (reason) {
    case 'invalid-json':
    case 'missing-field':
    case 'field-not-string':
      return 'For JSON Lines, pass --field with the name of the field that holds each text (default: text).';
    case 'too-long':
      return 'Pass --on-long truncate to embed the head of each text, or a larger --context-size if the model was trained for it.';
    case 'failed':
      return 'Every line failed to embed: the skip log has the errors.';
    case 'invalid-utf8':
    case 'nul-byte':
    case 'line-too-large':
      return 'Check that --input is a text file in UTF-8, one text per line.';
    case 'binary':
    case 'encrypted':
    case 'no-text':
    case 'unreadable':
    case 'unsupported':
      return 'Check the documents of the --input folder (and --glob): the skip log says why each was not read.';
    default:
      return 'Check that --input is the file you meant, one text per line.';
  }
}
