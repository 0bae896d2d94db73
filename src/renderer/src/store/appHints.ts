import type { ReplyError, UnfinishedRun } from '../../../shared/contract';
import { formatCount } from '../../../shared/format';

/**
 * The engine words its hints for the command line (`--resume`, `--overwrite`, `--memory-limit`…). For the errors that
 * leave or meet an unfinished run, this says the same with the app's buttons and settings; other errors are kept as
 * they are. `unfinished` is the unfinished run of the output a refused start was about.
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
      if (!unfinished) return undefined;
      return unfinished.sameInput
        ? 'Press Resume unfinished run to continue it, or Start over to start again from the first line.'
        : 'Press Start over to embed the chosen input from the first line instead, or choose another output file.';
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
      return then ? `Free some space on the disk${then}.` : undefined;
    default:
      return undefined;
  }
}
