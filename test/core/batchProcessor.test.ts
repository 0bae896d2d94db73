import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchProcessor } from '#core/batchProcessor';
import type { SkippedLine } from '#shared/engine';
import { EmbeddingModel } from '#core/model';
import { PauseGate } from '#core/pauseGate';
import type { EmbeddingResult } from '#core/results';
import type { ProgressInfo } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { cosine, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let modelPath: string;
let model: EmbeddingModel;

beforeAll(async () => {
  modelPath = await testModelPath(TINY);
  model = await EmbeddingModel.load(modelPath, { threads: 2 });
});
afterAll(() => model.dispose());

async function collect(
  processor: BatchProcessor,
  path: string,
  skipped: SkippedLine[] = [],
): Promise<EmbeddingResult[]> {
  const results: EmbeddingResult[] = [];
  for await (const result of processor.processFile(path, { onSkip: (s) => skipped.push(s) })) results.push(result);
  return results;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
}

describe('BatchProcessor', () => {
  it('gives the same vectors in the same order for batch sizes 1, 8, 32 and 64', async () => {
    const lines = corpusLines(300);
    lines[17] = '';
    lines[150] = '   ';
    const path = join(dir, 'sizes.txt');
    await writeFile(path, lines.join('\n'));
    const runs = [];
    for (const batchSize of [1, 8, 32, 64]) runs.push(await collect(new BatchProcessor(model, { batchSize }), path));
    const [reference, ...others] = runs;
    expect(reference?.map((r) => r.line)).toEqual(lines.flatMap((text, i) => (text.trim() ? [i + 1] : [])));
    for (const run of others) {
      expect(run.map((r) => r.line)).toEqual(reference?.map((r) => r.line));
      const worst = Math.min(...run.map((r, i) => cosine(r.embedding, reference?.[i]?.embedding ?? [])));
      expect(worst).toBeGreaterThan(0.9999);
    }
  });

  it('embeds different texts differently and equal texts equally', async () => {
    const [a, b, c] = await new BatchProcessor(model).processTexts([
      'the city reads books',
      'water and time',
      'the city reads books',
    ]);
    expect(cosine(a.embedding, c.embedding)).toBeCloseTo(1, 6);
    expect(cosine(a.embedding, b.embedding)).toBeLessThan(0.99);
  });

  it('fills every field of a result from the model and the input', async () => {
    const [result] = await new BatchProcessor(model).processBatch(['test text']);
    expect(result).toMatchObject({
      line: 1,
      text: 'test text',
      textHash: '1e2db57dd6527ad4f8f281ab028d2c70',
      truncated: false,
    });
    expect(result.embedding).toBeInstanceOf(Float32Array);
    expect(result.embedding).toHaveLength(TINY.embeddingLength);
    expect(norm(result.embedding)).toBeCloseTo(1, 5);
    expect(result.processingTimeMs).toBeGreaterThan(0);
  });

  it('counts tokens with the model’s own tokenizer, [CLS] and [SEP] included', async () => {
    const texts = ['hello world', 'the quick brown fox jumps over a lazy dog', '東京 タワー', 'emoji 🙂 ok'];
    const results = await new BatchProcessor(model).processTexts(texts);
    const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never' });
    const reference = await llama.loadModel({ modelPath });
    try {
      expect(results.map((r) => r.tokens)).toEqual(texts.map((t) => reference.tokenize(t).length + 2));
    } finally {
      await reference.dispose();
    }
  });

  it('feeds all contexts at once, with at most two batches (or twice what the engine evaluates at once) in flight', async () => {
    expect(model.info.contexts).toBe(2);
    let inFlight = 0;
    let most = 0;
    const embed = model.pool.embed.bind(model.pool);
    const spy = vi.spyOn(model.pool, 'embed').mockImplementation((texts) =>
      embed(texts).map((embedded) => {
        most = Math.max(most, (inFlight += 1));
        return embedded.finally(() => {
          inFlight -= 1;
        });
      }),
    );
    try {
      await new BatchProcessor(model, { batchSize: 8 }).processTexts(corpusLines(64));
    } finally {
      spy.mockRestore();
    }
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(Math.max(2 * 8, 2 * model.pool.size));
  });

  it('keeps going past a failing line with continueOnError, and stops there without it', async () => {
    const texts = corpusLines(40);
    texts[9] = 'this line will fail';
    const embedGroup = model.embedGroup.bind(model);
    const failing = model.prepare('this line will fail', 0);
    const spy = vi
      .spyOn(model, 'embedGroup')
      .mockImplementation((group) =>
        embedGroup(group).map((embedded, i) =>
          failing.ok && group[i]?.join() === failing.tokens.join()
            ? Promise.reject(new Error('decode failed'))
            : embedded,
        ),
      );
    try {
      const skipped: SkippedLine[] = [];
      const results = await new BatchProcessor(model, { batchSize: 4 }).processTexts(texts, {
        onSkip: (s) => skipped.push(s),
      });
      expect(results.map((r) => r.line)).toEqual(texts.map((_, i) => i + 1).filter((line) => line !== 10));
      expect(skipped).toEqual([{ line: 10, reason: 'failed', detail: 'decode failed' }]);

      const processor = new BatchProcessor(model, { batchSize: 4, continueOnError: false });
      const delivered: number[] = [];
      const run = (async () => {
        const path = join(dir, 'failing.txt');
        await writeFile(path, texts.join('\n'));
        await processor.processFileStreaming(path, (batch) => void delivered.push(...batch.results.map((r) => r.line)));
      })();
      await expect(run).rejects.toMatchObject({
        code: 'EMBEDDING_FAILED',
        message: expect.stringContaining('Line 10'),
      });
      expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(processor.stats()).toMatchObject({ embedded: 9, failed: 0 });
    } finally {
      spy.mockRestore();
    }
  });

  it('stops when cancelled and embeds nothing more', async () => {
    const path = join(dir, 'cancel.txt');
    await writeFile(path, corpusLines(3000).join('\n'));
    const controller = new AbortController();
    const processor = new BatchProcessor(model, { batchSize: 16 });
    let seen = 0;
    const run = (async () => {
      for await (const result of processor.processFile(path, { signal: controller.signal })) {
        seen = result.line;
        if (seen === 100) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toBeLessThan(200);
  });

  it('pauses between texts, delivering what is under way, and resumes where it stopped', async () => {
    const path = join(dir, 'pause.txt');
    await writeFile(path, corpusLines(1500).join('\n'));
    const gate = new PauseGate();
    const processor = new BatchProcessor(model, { batchSize: 16 });
    const lines: number[] = [];
    let pausedAt = 0;
    const started = performance.now();
    const run = processor.processFileStreaming(
      path,
      (batch) => {
        lines.push(...batch.results.map((r) => r.line));
        if (!pausedAt && lines.length >= 200) {
          gate.pause();
          pausedAt = lines.length;
        }
      },
      { pause: gate },
    );
    await vi.waitFor(() => expect(pausedAt).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const whilePaused = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.length).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(1500);
    gate.resume();
    const stats = await run;
    expect(lines).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(stats.elapsedMs).toBeLessThan(performance.now() - started - 600);
    // Nor does any phase of the time split count the pause.
    const { tokenizeMs, decodeMs, readOutMs, writeMs } = stats.time;
    expect(tokenizeMs + decodeMs + readOutMs + writeMs).toBeLessThanOrEqual(stats.elapsedMs);
  });

  it('cancels a paused run', async () => {
    const path = join(dir, 'pause-cancel.txt');
    await writeFile(path, corpusLines(500).join('\n'));
    const gate = new PauseGate();
    gate.pause();
    const controller = new AbortController();
    const run = new BatchProcessor(model).processFileStreaming(path, () => undefined, {
      pause: gate,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reports progress at a bounded rate, ending with a report that matches the stats', async () => {
    const lines = corpusLines(2000);
    lines[5] = '';
    const path = join(dir, 'progress.txt');
    await writeFile(path, lines.join('\n'));
    const reports: Array<ProgressInfo & { at: number }> = [];
    const processor = new BatchProcessor(model, {
      batchSize: 8,
      progressIntervalMs: 50,
      onProgress: (p) => reports.push({ ...p, at: performance.now() }),
    });
    const results = await collect(processor, path);
    const stats = processor.stats();
    const last = reports.at(-1)!;
    expect(last).toMatchObject({
      done: true,
      linesDone: 2000,
      totalLines: 2000,
      embedded: 1999,
      skipped: 1,
      failed: 0,
      etaMs: 0,
    });
    expect(stats).toMatchObject({
      lines: 2000,
      embedded: results.length,
      skipped: 1,
      failed: 0,
      skippedByReason: { blank: 1 },
    });
    expect(stats.tokens).toBe(results.reduce((sum, r) => sum + r.tokens, 0));
    expect(stats.characters).toBe(results.reduce((sum, r) => sum + r.text.length, 0));
    expect(last.tokens).toBe(stats.tokens);
    expect(stats.peakRssBytes).toBeGreaterThan(0);
    const gaps = reports.slice(1, -1).map((r, i) => r.at - reports[i].at);
    // 50 ms apart, less a little timer slack on a loaded machine.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45);
    for (let i = 1; i < reports.length; i += 1)
      expect(reports[i].linesDone).toBeGreaterThanOrEqual(reports[i - 1].linesDone);
    expect(reports.filter((r) => !r.done).every((r) => r.rssBytes > 0)).toBe(true);
    // The file is read once: its line count is known at its end, the share done is told by bytes all along.
    expect(reports.filter((r) => !r.done).every((r) => r.totalLines === null)).toBe(true);
    expect(last).toMatchObject({ totalLines: 2000, fraction: 1 });
    const size = Buffer.byteLength(lines.join('\n'));
    const endOf = (line: number): number => Math.min(size, Buffer.byteLength(lines.slice(0, line).join('\n')) + 1);
    for (const report of reports.slice(0, -1)) expect(report.fraction).toBe(endOf(report.linesDone) / size);
  });

  it('starts its stats afresh after resetStats', async () => {
    const processor = new BatchProcessor(model);
    await processor.processTexts(['one', 'two']);
    expect(processor.stats().embedded).toBe(2);
    processor.resetStats();
    expect(processor.stats()).toMatchObject({ lines: 0, embedded: 0, tokens: 0, batches: 0 });
  });

  it('refuses a nonsensical config', () => {
    expect(() => new BatchProcessor(model, { batchSize: 0 })).toThrow(/Batch size/);
    expect(() => new BatchProcessor(model, { batchSize: 1.5 })).toThrow(/Batch size/);
    expect(() => new BatchProcessor(model, { memoryLimitMb: -1 })).toThrow(/Memory limit/);
  });

  it('stops cleanly when the process is over its memory limit', async () => {
    const processor = new BatchProcessor(model, { memoryLimitMb: 1 });
    await expect(processor.processTexts(corpusLines(10))).rejects.toMatchObject({ code: 'MEMORY_LIMIT' });
  });
});
