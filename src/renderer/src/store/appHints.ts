import type { ReplyError, UnfinishedRun } from '../../../shared/contract';
import { formatCount } from '../../../shared/format';

/**
 * The engine words its hints for the command line (`--resume`, `--overwrite`, `--memory-limit`…). This says the same
 * with the app's buttons and settings; errors whose hints name no flag are kept as they are. `unfinished` is the
 * unfinished run of the output a refused start was about.
 */
export function inAppWords(error: ReplyError, unfinished: UnfinishedRun | null = null): ReplyError {
  const hint = appHint(error, unfinished);
  return hint === undefined ? error : { ...error, hint };
}

function appHint(error: ReplyError, unfinished: UnfinishedRun | null): string | undefined {
  const line = error.resumeAfterLine;
  const then = line === undefined ? '' : `, then press Resume unfinished run to go on after line ${formatCount(line)}`;
  switch (error.code) {
    case 'OUTPUT_EXISTS':
      if (error.message.endsWith('is a directory.')) return 'Choose another output file.';
      if (error.message.includes('not a regular file')) return 'Choose another output file, or move that one away.';
      if (error.message.includes(' is complete: ')) return 'Nothing is left to do; tick “Replace the output if it already exists” to embed the input again.';
      if (!unfinished) return 'Choose another output file, or tick “Replace the output if it already exists”.';
      return unfinished.sameInput
        ? 'Press Resume unfinished run to continue it, or Start over to start again from the first line.'
        : 'Press Start over to embed the chosen input from the first line instead, or choose another output file.';
    case 'OUTPUT_IS_INPUT':
      return 'Choose another output file: the input is read while the output is written.';
    case 'CHECKPOINT_INVALID':
      return 'Tick “Replace the output if it already exists” to start again from the first line, which replaces it; or choose another output file.';
    case 'NOTHING_EMBEDDED':
      return error.message.endsWith('is empty.')
        ? 'Choose an input file with one text per line.'
        : 'Check the input file and its settings (the JSON Lines field, the long-text policy): the skip log gives the reason for each line.';
    case 'RESUME_REFUSED':
      return 'Press Start over to start again from the first line; to resume instead, choose the input, model and settings the unfinished run had.';
    case 'INPUT_CHANGED':
      return then ? `Put the input file back as it was${then}; or press Start over to start again from the first line.` : undefined;
    case 'MEMORY_LIMIT':
      return `Lower the batch size or threads, or raise the memory limit${then}.`;
    case 'TEXT_TOO_LONG':
      return then
        ? `Choose to truncate or skip texts longer than the context${then}.`
        : 'Choose to truncate or skip texts longer than the context, or a larger context size if the model was trained for it.';
    case 'EMBEDDING_FAILED':
      return `Untick “Stop at the first line that fails to embed” to log such lines and go on${then}.`;
    case 'OUTPUT_UNWRITABLE':
      if (then) return `Free some space on the disk${then}.`;
      if (error.message.startsWith('The disk is full')) return 'Free some space, or choose an output file on another disk.';
      if (error.message.startsWith('Every line is done')) return 'Mend that, then choose the same output file again: the finished files are moved into place.';
      if (error.message.endsWith('does not exist.')) return 'Create the folder first, or choose an output file in another one.';
      return error.message.startsWith('Output folder') ? 'Choose an output file in a folder you can write to.' : undefined;
    case 'FILE_NOT_FOUND':
      return 'Check the path, or choose the file with Browse….';
    case 'NOT_A_FILE':
      return error.message.endsWith('is a directory, not a file.') ? 'Choose a file, not a folder.' : 'Choose a regular file.';
    case 'BAD_OPTION':
      return /^The \w+ backend is not available/.test(error.message)
        ? 'Choose the backend “Best available” or “CPU only”, then load the model again.'
        : undefined;
    default:
      return undefined;
  }
}
