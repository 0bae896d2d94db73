/**
 * One life of the soak benchmark's run: `tsx bench/soakWorker.ts <model> <input> <output> <batch size>` runs the job
 * with --resume semantics and prints JSON lines: where it resumes ({resumedAfterLine}), then one per progress report
 * ({linesDone, totalLines, rssBytes}) and, at the end, the summary's stats.
 */
import { runEmbedJob } from '#core/embedJob';

const [model, input, output, batchSize] = process.argv.slice(2);
if (!model || !input || !output || !batchSize)
  throw new Error('usage: soakWorker.ts <model> <input> <output> <batch size>');

const summary = await runEmbedJob({
  model,
  modelOptions: { gpu: 'cpu' },
  input,
  output,
  resume: true,
  batch: { batchSize: Number(batchSize), progressIntervalMs: 200 },
  onModel: (_info, resumedAfterLine) => process.stdout.write(`${JSON.stringify({ resumedAfterLine })}\n`),
  onProgress: ({ linesDone, totalLines, rssBytes }) =>
    process.stdout.write(`${JSON.stringify({ linesDone, totalLines, rssBytes })}\n`),
});
process.stdout.write(`${JSON.stringify({ done: true, stats: summary.stats })}\n`);
