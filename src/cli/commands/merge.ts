import { mergeShards } from '#core/mergeShards';
import { plural } from '#shared/format';
import type { MergeCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { cancelOnInterrupt } from '../interrupt';
import { formatReport } from './verify';

/**
 * `merge`: the outputs of the shards of one input as one output, rows in line order; exits 7 (writing nothing) with
 * what verify would report when they do not hold every line exactly once, or cannot be merged.
 */
export async function runMerge(options: MergeCommandOptions): Promise<ExitCode> {
  const interrupt = cancelOnInterrupt(() => process.stderr.write(`Stopping: ${options.output} is not written ...\n`));
  try {
    const { report, merged } = await mergeShards({
      parts: options.outputs,
      output: options.output,
      format: options.format,
      input: options.input,
      overwrite: options.overwrite,
      signal: interrupt.signal,
    });
    if (!merged) {
      process.stdout.write(options.json ? `${JSON.stringify({ ...report, merged: null })}\n` : formatReport(report));
      return EXIT.incomplete;
    }
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ ...report, merged })}\n`
        : `Merged ${plural(report.parts.length, 'shard')} of ${report.input ?? 'the input'} into ${options.output}: ${plural(merged.rows, 'row')}, ${plural(merged.skipped, 'line')} in ${merged.paths.find((path) => path.endsWith('.skipped.jsonl')) ?? 'the skip log'}.\n`,
    );
    return EXIT.ok;
  } finally {
    interrupt.dispose();
  }
}
