import { EmbeddingModel } from '../../core/model';
import type { ModelCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { roundFloats } from '../format';
import { formatModelInfo, modelInfoJson } from '../modelInfo';

/** `info`: loads the model as `embed` would and describes it. */
export async function runInfo(options: ModelCommandOptions): Promise<ExitCode> {
  const model = await EmbeddingModel.load(options.model, {
    gpu: options.gpu,
    threads: options.threads,
    contextSize: options.contextSize,
  });
  try {
    const { info } = model;
    process.stdout.write(`${options.json ? JSON.stringify(modelInfoJson(info), roundFloats) : formatModelInfo(info)}\n`);
  } finally {
    await model.dispose();
  }
  return EXIT.ok;
}
