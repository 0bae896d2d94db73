import { EmbeddingModel } from '#core/model';
import type { ProbeLauncher } from '#core/modelProbe';
import type { ModelCommandOptions } from '../args';
import { drawDownload } from '../downloadProgress';
import { EXIT, type ExitCode } from '../exitCodes';
import { roundFloats } from '../format';
import { modelFileFor, modelReferenceFor } from '../modelArgument';
import { formatModelInfo, modelInfoJson } from '../modelInfo';
import { noticePrinter, ProgressBar } from '../progressBar';

/** `info`: loads the model as `embed` would (downloading it first if needed) and describes it. */
export async function runInfo(options: ModelCommandOptions, probe: ProbeLauncher): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  let model: EmbeddingModel;
  try {
    const path = await modelFileFor(await modelReferenceFor(options.model, options.modelsDir), {
      ...(bar ? drawDownload(bar, process.stderr) : {}),
    });
    model = await EmbeddingModel.load(path, {
      gpu: options.gpu,
      threads: options.threads,
      contextSize: options.contextSize,
      probe,
      onNotice: noticePrinter(bar),
    });
  } finally {
    bar?.close();
  }
  try {
    const { info } = model;
    process.stdout.write(
      `${options.json ? JSON.stringify(modelInfoJson(info), roundFloats) : formatModelInfo(info)}\n`,
    );
  } finally {
    await model.dispose();
  }
  return EXIT.ok;
}
