import type { ModelInfo, TextOptions } from '#shared/engine';
import { table } from './format';
import { formatBytes, formatCount, plural } from '#shared/format';

/** `cpu, 2 threads, 2 contexts` or `cuda (NVIDIA H200, 13 GPU layers), 16 threads, 2 contexts`. */
export function describeBackend(info: ModelInfo): string {
  const device =
    info.backend === 'cpu' ? 'cpu' : `${info.backend} (${info.gpuName ?? 'unknown GPU'}, ${info.gpuLayers} GPU layers)`;
  return `${device}, ${plural(info.threads, 'thread')}, ${plural(info.contexts, 'context')}`;
}

/** `batched: many texts per decode (local build)` or `contexts: one text per decode per context (prebuilt binary)`. */
export function describeEngine(info: ModelInfo): string {
  const how = info.engine === 'batched' ? 'many texts per decode' : 'one text per decode per context';
  return `${info.engine}: ${how} (${info.buildType === 'localBuild' ? 'local build' : 'prebuilt binary'})`;
}

/** The `info` command's report. */
export function formatModelInfo(info: ModelInfo): string {
  return table([
    ['name', info.name],
    ['file', `${info.path} (${formatBytes(info.fileSize)})`],
    ['architecture', info.architecture],
    ['dimensions', String(info.dimension)],
    ['pooling', info.pooling],
    ['training context', `${formatCount(info.trainContextSize)} tokens`],
    ['context used', `${formatCount(info.contextSize)} tokens`],
    ['quantization', info.quantization],
    ['backend', info.backend],
    ['GPU', info.gpuName ?? 'none'],
    ['GPU layers', String(info.gpuLayers)],
    ['threads', String(info.threads)],
    ['contexts', String(info.contexts)],
    ['engine', describeEngine(info)],
    ['CPU features', info.cpuFeatures.join(', ') || 'none'],
  ]);
}

/** The model as `info --json` prints it: without the embedding settings, which describe a run, not the model. */
export function modelInfoJson(info: ModelInfo): Omit<ModelInfo, keyof TextOptions> {
  const { normalize: _normalize, prefix: _prefix, onLong: _onLong, dimensions: _dimensions, ...model } = info;
  return model;
}
