import { stat } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '#shared/engine';
import { testModelPath, TINY } from '../support/testModels';
import { runCli } from './runCli';

let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

describe('embedding-studio info', () => {
  it('describes the model in human-readable form', async () => {
    const result = await runCli(['info', '--model', model, '--threads', '2', '--context-size', '64']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = Object.fromEntries(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split(/ {2,}/) as [string, string]),
    );
    expect(rows).toMatchObject({
      name: 'tiny-bert',
      file: `${model} (${Math.round((await stat(model)).size / 1024)} KiB)`,
      architecture: 'bert',
      dimensions: '32',
      pooling: 'mean',
      'training context': '128 tokens',
      'context used': '64 tokens',
      quantization: 'F32',
      threads: '2',
    });
    expect(Object.keys(rows)).toEqual([
      'name',
      'file',
      'architecture',
      'dimensions',
      'pooling',
      'training context',
      'context used',
      'quantization',
      'backend',
      'GPU',
      'GPU layers',
      'threads',
      'contexts',
      'engine',
      'CPU features',
    ]);
    expect(rows['CPU features']).toMatch(/^(none|[A-Z0-9_]+(, [A-Z0-9_]+)*)$/);
    expect(rows.engine).toMatch(
      /^(batched: many texts per decode \(local build\)|contexts: one text per decode per context \((local build|prebuilt binary)\))$/,
    );
  });

  it('prints the model info as one JSON object with --json', async () => {
    const result = await runCli(['info', '--model', model, '--json', '--gpu', 'cpu']);

    expect(result.code, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout) as ModelInfo;
    expect(info).toMatchObject({
      path: model,
      name: 'tiny-bert',
      fileSize: (await stat(model)).size,
      architecture: 'bert',
      dimension: TINY.embeddingLength,
      pooling: 'mean',
      trainContextSize: TINY.contextLength,
      contextSize: TINY.contextLength,
      quantization: 'F32',
      backend: 'cpu',
      gpuName: null,
      gpuLayers: 0,
    });
    expect(info.threads).toBeGreaterThan(0);
    expect(info.contexts).toBeGreaterThan(0);
    expect(['batched', 'contexts']).toContain(info.engine);
    expect(['localBuild', 'prebuilt']).toContain(info.buildType);
    expect(info.cpuFeatures.every((feature) => /^[A-Z0-9_]+$/.test(feature))).toBe(true);
  });
});
