import { basename } from 'node:path';
import { isFolder } from '#core/documents/documentReader';
import { checkJobFiles, runEmbedJob } from '#core/embedJob';
import type { ProbeLauncher } from '#core/modelProbe';
import type { InputOptions } from '#core/input';
import { catalogModelForFile } from '#core/library/modelCatalog';
import { checkPrecision } from '#core/output/precision';
import type { EmbedJobSummary, ModelInfo } from '#shared/engine';
import type { EmbedCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { drawDownload } from '../downloadProgress';
import { cancelOnInterrupt } from '../interrupt';
import { modelFileFor, modelReferenceFor } from '../modelArgument';
import { noticePrinter, ProgressBar, REDRAW_INTERVAL_MS } from '../progressBar';
import { formatSummary, summaryJson } from '../summary';

/** `embed`: runs the job with a progress bar on a terminal and prints the summary; errors go to the caller. */
export async function runEmbed(options: EmbedCommandOptions, probe: ProbeLauncher): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const interrupt = cancelOnInterrupt(() => {
    bar?.close();
    process.stderr.write(
      'Stopping after the batches under way (--resume continues later); press Ctrl-C again to quit at once.\n',
    );
  });
  let summary: EmbedJobSummary;
  try {
    // Known before the model loads where --dimensions gives the vectors' dimension.
    if (options.dimensions !== undefined) checkPrecision(options.precision ?? 'float32', options.dimensions);
    const folder = await isFolder(options.input);
    const inputOptions: InputOptions = {
      ...(options.field === undefined
        ? {}
        : folder
          ? { field: options.field }
          : { format: 'jsonl', field: options.field }),
      ...(options.shard === undefined ? {} : { shard: options.shard }),
      ...(options.glob === undefined ? {} : { glob: options.glob }),
    };
    const resolved = await modelReferenceFor(options.model, options.modelsDir);
    if (resolved.reference.kind === 'download') {
      // A download can take minutes: the input and output are checked first, as the job would check them.
      await checkJobFiles({ ...options, inputOptions });
    }
    const model = await modelFileFor(resolved, {
      signal: interrupt.signal,
      ...(bar ? drawDownload(bar, process.stderr) : {}),
    });
    bar?.status(`Loading ${basename(model)} ...`);
    summary = await runEmbedJob({
      model,
      modelOptions: {
        gpu: options.gpu,
        threads: options.threads,
        contextSize: options.contextSize,
        normalize: options.normalize,
        dimensions: options.dimensions,
        prefix: options.prefix,
        onLong: options.onLong,
        chunkTokens: options.chunkTokens,
        chunkOverlap: options.chunkOverlap,
        // A model that crashes llama.cpp is tried in a child process first: the user gets a message, not a signal.
        probe,
        onNotice: noticePrinter(bar),
      },
      input: options.input,
      inputOptions,
      output: options.output,
      format: options.format,
      precision: options.precision,
      overwrite: options.overwrite,
      resume: options.resume,
      ...(options.reuse === undefined ? {} : { reuse: options.reuse }),
      keepOnCancel: true,
      // Only the settings given: the engine's defaults apply to the others, and an undefined value would replace them.
      batch: {
        continueOnError: !options.stopOnError,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.memoryLimitMb === undefined ? {} : { memoryLimitMb: options.memoryLimitMb }),
        ...(bar ? { progressIntervalMs: REDRAW_INTERVAL_MS } : {}),
      },
      signal: interrupt.signal,
      onModel: (info, resumeAfterLine) => {
        const warning = matryoshkaWarning(info);
        if (warning) {
          if (bar) bar.note(`warning: ${warning}`);
          else process.stderr.write(`warning: ${warning}\n`);
        }
        bar?.status(
          `Loaded ${info.name}; ${resumeAfterLine ? `resuming after ${folder ? 'text' : 'line'} ${resumeAfterLine} of` : 'reading'} ${basename(options.input)} ...`,
        );
      },
      onProgress: bar ? (progress) => bar.update(progress) : undefined,
    });
  } finally {
    bar?.close();
    interrupt.dispose();
  }
  process.stdout.write(`${options.json ? summaryJson(summary) : formatSummary(summary)}\n`);
  return EXIT.ok;
}

/**
 * A warning where the run keeps fewer dimensions than the model gives and the model is not a catalog model trained for
 * it (Matryoshka): the first dimensions of other models' vectors can search much worse than all of them.
 */
function matryoshkaWarning(info: ModelInfo): string | null {
  if (info.dimensions === null || info.dimensions >= info.dimension) return null;
  if (catalogModelForFile(info.path)?.matryoshka) return null;
  return `${basename(info.path)} is not known to be trained for shorter vectors (Matryoshka): its first ${info.dimensions} of ${info.dimension} dimensions may search much worse than all of them.`;
}
