import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import usearch, { MetricKind, ScalarKind } from 'usearch';
import { readRunRecord } from '#core/runRecord';
import { buildOutputIndex, indexPath } from '#core/search/outputIndex';
import { readOutputRows } from '#core/search/outputRows';
import { clusteredVectorBlocks, random, writeVectorOutput, type VectorRow } from '../test/support/vectorOutputs';
import { median } from './rounds';
const rows = Number(process.argv[2] ?? 1000000), dimensions = 384, clusters = 1000;
const log = (t: string) => void process.stdout.write(`${new Date().toISOString().slice(11,19)} ${t}\n`);
function* blocks(): Generator<VectorRow[]> { let line = 0; for (const v of clusteredVectorBlocks(rows, dimensions, clusters, 7)) { const b: VectorRow[] = []; for (let at = 0; at < v.length; at += dimensions) { line += 1; b.push({ line, text: `t ${line}`, embedding: v.slice(at, at + dimensions) }); } yield b; } }
const dir = process.argv[3] ?? await mkdtemp(join(tmpdir(), 'ef-'));
const output = join(dir, 'vectors.npy');
if (!process.argv[3]) { await writeVectorOutput(output, 'npy', blocks(), dimensions); log('written ' + dir); let s = performance.now(); await buildOutputIndex(output); log(`index ${(performance.now()-s)/1000}s`); }
const record = await readRunRecord(output);
const pick = random(5); const wanted = new Set(Array.from({ length: 200 }, () => 1 + Math.floor(pick() * rows)));
const queries: Float32Array[] = [];
for await (const block of readOutputRows(output, record)) block.lines.forEach((line, i) => { if (wanted.has(line)) queries.push(block.vectors.slice(i * dimensions, (i + 1) * dimensions).map((x) => x + (pick() - 0.5) * 0.02)); });
const best = queries.map(() => [] as Array<{ line: number; score: number }>);
for await (const block of readOutputRows(output, record)) { const m = usearch.exactSearch(block.vectors, queries, dimensions, 10, MetricKind.Cos, 2); queries.forEach((_, q) => { const { keys, distances } = (m as any).get(q); keys.forEach((k: bigint, i: number) => best[q]!.push({ line: block.lines[Number(k)] ?? 0, score: 1 - (distances[i] ?? 1) })); best[q] = best[q]!.sort((a, b) => b.score - a.score).slice(0, 10); }); }
log('exact done');
for (const ef of [64, 128, 256, 512]) {
  const index = new usearch.Index({ dimensions, metric: MetricKind.Cos, quantization: ScalarKind.F16, connectivity: 16, expansion_add: 64, expansion_search: ef, multi: false });
  index.view(indexPath(output));
  const times: number[] = []; let hits = 0;
  queries.forEach((q, i) => { const at = performance.now(); const r = index.search(q, 10, 1); times.push(performance.now() - at); const s = new Set(Array.from(r.keys, Number)); hits += best[i]!.filter((b) => s.has(b.line)).length; });
  log(`ef ${ef}: recall ${(hits / (queries.length * 10)).toFixed(3)}, median ${median(times).toFixed(3)} ms`);
}
