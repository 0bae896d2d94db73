import { verifyShards, type LineRange, type ShardReport } from '#core/verifyShards';
import { formatCount, plural } from '#shared/format';
import { shardName } from '#shared/shard';
import type { VerifyCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { table } from '../format';

/**
 * `verify`: checks that the outputs of the shards of one input hold every line of it exactly once, as a row or in a
 * skip log; exits 0 when they do, else 7 with what is missing or twice.
 */
export async function runVerify(options: VerifyCommandOptions): Promise<ExitCode> {
  const report = await verifyShards(options.outputs, options.input);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return report.ok ? EXIT.ok : EXIT.incomplete;
}

/** The report in words, as verify prints it (and merge, when it refuses a set). */
export function formatReport(report: ShardReport): string {
  const out: string[] = [];
  if (report.input !== null) {
    const heading = report.ok
      ? `Every one of the ${plural(report.lines, 'line')} of ${report.input} is in exactly one of its ${plural(report.count, 'shard')}, as a row or in a skip log.`
      : `The shards of ${report.input} (${plural(report.lines, 'line')}, ${plural(report.count, 'shard')}) do not hold every line exactly once.`;
    const parts = report.parts.map((part): [string, string] => [
      part.output,
      `shard ${shardName(part.shard)}: ${plural(part.rows, 'row')}, ${formatCount(part.skipped)} skipped`,
    ]);
    out.push(heading, '', table(parts, '  '));
  }
  if (report.missingShards.length) out.push(`No output of shard ${report.missingShards.join(', ')}.`);
  if (report.doubledShards.length) out.push(`More than one output of shard ${report.doubledShards.join(', ')}.`);
  if (report.missingLines)
    out.push(`Missing: ${plural(report.missingLines, 'line')} (${ranges(report.missing, report.missingLines)}).`);
  if (report.twiceLines)
    out.push(`Twice: ${plural(report.twiceLines, 'line')} (${ranges(report.twice, report.twiceLines)}).`);
  out.push(...report.problems);
  return `${out.join('\n')}\n`;
}

/** `5-9, 17`: the ranges listed, and how many lines the list leaves out. */
function ranges(list: readonly LineRange[], lines: number): string {
  const listed = list.reduce((sum, [first, last]) => sum + last - first + 1, 0);
  const text = list.map(([first, last]) => (first === last ? String(first) : `${first}-${last}`)).join(', ');
  return listed < lines ? `${text} and ${formatCount(lines - listed)} more` : text;
}
