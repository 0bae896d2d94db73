import { basename } from 'node:path';
import { exportMap } from '#core/search/exportMap';
import { formatCount } from '#shared/format';
import type { ExportMapCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { cancelOnInterrupt } from '../interrupt';
import { noticePrinter, ProgressBar } from '../progressBar';

/** What each phase of making and writing a map is called on the status line. */
const PHASES = {
  sample: 'Reading a sample of',
  preview: 'Previewing',
  layout: 'Laying out (UMAP epochs)',
  place: 'Placing and clustering',
  index: 'Indexing in memory',
  neighbors: 'Writing with neighbours',
} as const;

/** `export-map`: the map of --embeddings, with each row's neighbours, as a Parquet file Embedding Atlas opens. */
export async function runExportMap(options: ExportMapCommandOptions): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const name = basename(options.embeddings);
  const interrupt = cancelOnInterrupt(() => bar?.note(`Stopping: ${options.output} is not written ...`));
  const started = performance.now();
  let last = -Infinity;
  try {
    const { rows, clusters } = await exportMap({
      output: options.embeddings,
      target: options.output,
      neighbors: options.neighbors,
      replace: options.overwrite,
      signal: interrupt.signal,
      onNotice: noticePrinter(bar),
      onProgress: ({ phase, done, total }) => {
        const now = performance.now();
        if (!bar || (now - last < 100 && done < total)) return;
        last = now;
        const percent = total ? Math.floor((done / total) * 100) : 100;
        bar.status(`${PHASES[phase]} ${name}: ${percent}%`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    bar?.close();
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ output: options.output, rows, clusters, seconds: Math.round(seconds * 10) / 10 })}\n`
        : `Mapped ${formatCount(rows)} rows in ${formatCount(clusters)} clusters in ${seconds.toFixed(1)} s: ${options.output}\n`,
    );
    return EXIT.ok;
  } finally {
    bar?.close();
    interrupt.dispose();
  }
}
