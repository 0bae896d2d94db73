import { describe, expect, it } from 'vitest';
import { formatSummary, summaryJson } from '../../src/cli/summary';
import type { EmbedJobSummary } from '#shared/engine';

const SUMMARY: EmbedJobSummary = {
  input: '/data/texts.txt',
  format: 'npy',
  outputs: ['/data/out.npy', '/data/out.lines.npy'],
  skipLog: '/data/out.npy.skipped.jsonl',
  runRecord: '/data/out.npy.run.json',
  outputBytes: 3 * 1024 * 1024,
  outputDimension: 384,
  precision: 'float32',
  resumedAfterLine: 0,
  shard: null,
  reusedFrom: null,
  model: {
    path: '/models/bge.gguf',
    name: 'bge-small-en-v1.5',
    fileSize: 36 * 1024 * 1024,
    architecture: 'bert',
    dimension: 384,
    pooling: 'cls',
    trainContextSize: 512,
    contextSize: 512,
    quantization: 'Q8_0',
    backend: 'cuda',
    gpuName: 'NVIDIA H200',
    gpuLayers: 13,
    threads: 16,
    contexts: 2,
    engine: 'batched',
    buildType: 'localBuild',
    cpuFeatures: ['AVX2', 'FMA'],
    normalize: 'l2',
    prefix: '',
    onLong: 'truncate',
    dimensions: null,
  },
  stats: {
    lines: 10_000,
    embedded: 9_990,
    reused: 0,
    skipped: 7,
    failed: 3,
    truncated: 12,
    skippedByReason: { blank: 4, 'too-long': 1, 'invalid-utf8': 2, failed: 3 },
    tokens: 1_234_567,
    characters: 5_000_000,
    batches: 313,
    elapsedMs: 83_400.123456,
    averageBatchMs: 266.4567,
    textsPerSecond: 119.784,
    tokensPerSecond: 14_803.2,
    averageTokensPerText: 123.58,
    peakRssBytes: 1.5 * 1024 ** 3,
    time: {
      tokenizeMs: 4_170.0061728,
      decodeMs: 66_720.0987648,
      readOutMs: 834.00123456,
      writeMs: 2_502.0037,
      idleMs: 9_174.01354,
    },
  },
};

describe('summary', () => {
  it('reports counts, skip reasons by frequency, speed, memory, files, model and backend', () => {
    expect(formatSummary(SUMMARY)).toBe(
      [
        'Embedded 9,990 of 10,000 lines in 1:23.',
        '',
        '  lines        10,000',
        '  embedded     9,990',
        '  skipped      7 (blank 4, invalid-utf8 2, too-long 1)',
        '  failed       3 (their errors are in the skip log)',
        '  truncated    12',
        '  tokens       1,234,567',
        '  time         1:23 (tokenize 5.0%, decode 80.0%, read-out 1.0%, write 3.0%, idle 11.0%)',
        '  speed        120 texts/s, 14,803 tokens/s',
        '  peak memory  1.5 GiB',
        '  outputs      /data/out.npy, /data/out.lines.npy (npy, 384 dimensions, 3.0 MiB)',
        '  skip log     /data/out.npy.skipped.jsonl (10 lines)',
        '  run record   /data/out.npy.run.json',
        '  model        bge-small-en-v1.5 (bert, 384 dimensions, Q8_0)',
        '  backend      cuda (NVIDIA H200, 13 GPU layers), 16 threads, 2 contexts',
        '  engine       batched: many texts per decode (local build)',
      ].join('\n'),
    );
  });

  it('tells the output dimension from the model dimension where the run kept fewer', () => {
    const text = formatSummary({
      ...SUMMARY,
      outputDimension: 128,
      model: { ...SUMMARY.model, dimension: 1024, dimensions: 128 },
    });
    expect(text).toContain('  outputs      /data/out.npy, /data/out.lines.npy (npy, 128 of 1,024 dimensions, 3.0 MiB)');
    expect(text).toContain('  model        bge-small-en-v1.5 (bert, 1024 dimensions, Q8_0)');
  });

  it('tells how many lines had their rows reused from an earlier output and how many were embedded', () => {
    const text = formatSummary({
      ...SUMMARY,
      reusedFrom: '/data/last-week.npy',
      stats: { ...SUMMARY.stats, reused: 9_000 },
    });
    expect(text.split('\n')[0]).toBe('Embedded 990 and reused 9,000 of 10,000 lines in 1:23.');
    expect(text).toContain('  embedded     9,990 (9,000 rows reused from /data/last-week.npy, 990 embedded)');
  });

  it('gives --json the summary fields with float noise rounded off', () => {
    const json = JSON.parse(summaryJson(SUMMARY)) as EmbedJobSummary;
    expect(json).toEqual({
      ...SUMMARY,
      stats: {
        ...SUMMARY.stats,
        elapsedMs: 83_400.123,
        averageBatchMs: 266.457,
        textsPerSecond: 119.784,
        tokensPerSecond: 14_803.2,
        time: {
          tokenizeMs: 4_170.006,
          decodeMs: 66_720.099,
          readOutMs: 834.001,
          writeMs: 2_502.004,
          idleMs: 9_174.014,
        },
      },
    });
  });
});
