import { EmbedJobError, EmbeddingError, errorMessage } from '#core/errors';
import type { BatchStats } from '#shared/engine';
import type { EngineErrorCode, Remedy } from '#shared/errors';
import { UsageError } from './args';
import { exitCodeFor, type ExitCode } from './exitCodes';
import { roundFloats } from './format';
import { remedyHint } from './remedyHint';
import { plural } from '#shared/format';

/** What the CLI says about an error, as printed and as the `--json` error object. */
export interface ErrorReport {
  code: EngineErrorCode | 'INTERNAL';
  message: string;
  /** What to do, in the command line's words (its flags). */
  hint: string;
  /** What to do, as the engine said it (see src/shared/errors.ts), for scripts that act on it. */
  remedy?: Remedy;
  exitCode: ExitCode;
  /** Files left under `.partial` names by a run that stopped on an error. */
  partialFiles?: string[];
  /** The line `--resume` continues after, where the run left a checkpoint. */
  resumeAfterLine?: number;
  stats?: BatchStats;
}

const FALLBACK_HINTS: Partial<Record<EngineErrorCode, string>> = {
  CANCELLED: 'The run stopped before the end of the input.',
  RUN_FAILED: 'Run it again; if it fails the same way, report it with the command line you ran.',
};

const BUG_HINT = 'This is a bug in Embedding Studio; please report it with the command line you ran.';

export function describeError(error: unknown): ErrorReport {
  const exitCode = exitCodeFor(error);
  if (!(error instanceof EmbeddingError)) {
    return { code: 'INTERNAL', message: oneLine(errorMessage(error)), hint: BUG_HINT, exitCode };
  }
  const report: ErrorReport = {
    code: error.code,
    message: oneLine(error.message),
    hint: oneLine(hintFor(error)),
    exitCode,
  };
  if (error.remedy) report.remedy = error.remedy;
  if (error instanceof EmbedJobError) {
    report.partialFiles = error.partialFiles;
    report.stats = error.stats;
    if (error.resumeAfterLine !== null) report.resumeAfterLine = error.resumeAfterLine;
  }
  return report;
}

function hintFor(error: EmbeddingError): string {
  if (error instanceof UsageError) return error.hint;
  return error.remedy ? remedyHint(error.remedy) : (FALLBACK_HINTS[error.code] ?? BUG_HINT);
}

/** Prints the error on stderr (and as JSON on stdout with --json) and returns the exit code for it. */
export function reportError(error: unknown, json: boolean): ExitCode {
  const report = describeError(error);
  const lines = [`error: ${report.message}`, `hint: ${report.hint}`];
  if (report.partialFiles?.length) {
    const embedded = plural(report.stats?.embedded ?? 0, 'line');
    lines.push(`partial: ${embedded} embedded before the run stopped, kept in ${report.partialFiles.join(', ')}`);
  }
  if (report.resumeAfterLine !== undefined) {
    lines.push(`resume: run the same command with --resume to continue after line ${report.resumeAfterLine}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: report }, roundFloats)}\n`);
  return report.exitCode;
}

/** Native and nested errors can carry newlines; the CLI promises one line per message. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
