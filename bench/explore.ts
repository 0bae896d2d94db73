/**
 * `npm run bench:explore`: the index, search, duplicates and map of an output of generated clustered vectors (384
 * dimensions, 100,000 rows; --rows 1000000 for a million), written as a .npy output with its run record and input.
 * Prints the index's build time, the median time of a query (the query's embedding excluded: it is a row's vector),
 * recall@10 of the index against exact search, the time duplicates takes, the time the map takes (sample, UMAP,
 * clusters and placing every row), and the peak resident memory.
 *
 * Options: --rows N (100000), --dimensions N (384), --clusters N (1000), --queries N (1000, of which 100 checked
 * against exact search), --keep (leave the generated output in the temp folder).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import usearch, { MetricKind } from 'usearch';
import { readRunRecord } from '#core/runRecord';
import { findDuplicates } from '#core/search/duplicates';
import { buildOutputIndex, indexState, OutputIndex } from '#core/search/outputIndex';
import { outputMap } from '#core/search/outputMap';
import { readOutputRows } from '#core/search/outputRows';
import { clusteredVectorBlocks, random, writeVectorOutput, type VectorRow } from '../test/support/vectorOutputs';
import { median } from './rounds';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    dimensions: { type: 'string', default: '384' },
    clusters: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const dimensions = Number(values.dimensions);
const clusters = Number(values.clusters);
const queryCount = Math.min(Number(values.queries), rows);
const checked = Math.min(100, queryCount);
const threads = availableParallelism();

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const log = (text: string): void => void process.stdout.write(`${text}\n`);

/**
 * The generated rows, block by block: one line in 50 a copy of the line before (same text and vector) and one in 50
 * the line before with a word changed and its vector moved a little (about 0.99 alike), as duplicates in real texts.
 */
function* blocks(): Generator<VectorRow[]> {
  const next = random(99);
  let line = 0;
  let previous: VectorRow | null = null;
  for (const vectors of clusteredVectorBlocks(rows, dimensions, clusters, 7)) {
    const block: VectorRow[] = [];
    for (let at = 0; at < vectors.length; at += dimensions) {
      line += 1;
      let row: VectorRow = { line, text: `generated text ${line}`, embedding: vectors.slice(at, at + dimensions) };
      if (previous && line % 50 === 0) row = { ...previous, line };
      else if (previous && line % 50 === 25) {
        const moved = previous.embedding.map((value) => value + (next() - 0.5) * 0.01);
        row = { line, text: previous.text.replace('generated', 'made'), embedding: moved };
      }
      block.push(row);
      previous = row;
    }
    yield block;
  }
}

const dir = await mkdtemp(join(tmpdir(), 'embedding-studio-bench-explore-'));
try {
  const output = join(dir, 'vectors.npy');
  log(`${rows.toLocaleString('en')} rows of ${dimensions} dimensions in ${clusters} clusters, ${threads} cores`);
  let started = performance.now();
  await writeVectorOutput(output, 'npy', blocks(), dimensions);
  log(`output written: ${seconds(started)}`);

  started = performance.now();
  const info = await buildOutputIndex(output);
  log(
    `index built: ${seconds(started)} (${info.quantization}, connectivity ${info.connectivity}, expansion ${info.expansionAdd}/${info.expansionSearch})`,
  );

  const state = await indexState(output);
  if (state.state !== 'fresh') throw new Error(`the index is ${state.state}`);
  const index = await OutputIndex.open(output, state.info);
  const record = await readRunRecord(output);
  // The queries: rows spread over the output, each moved a little so that it is no row itself.
  const pick = random(5);
  const wanted = new Set(Array.from({ length: queryCount }, () => 1 + Math.floor(pick() * rows)));
  const queries: Float32Array[] = [];
  for await (const block of readOutputRows(output, record)) {
    block.lines.forEach((line, i) => {
      if (wanted.has(line))
        queries.push(
          block.vectors.slice(i * dimensions, (i + 1) * dimensions).map((value) => value + (pick() - 0.5) * 0.02),
        );
    });
  }
  const times: number[] = [];
  const found: number[][] = [];
  for (const query of queries) {
    const at = performance.now();
    const matches = index.search(query, 10);
    times.push(performance.now() - at);
    found.push(matches.map((match) => match.place));
  }
  log(`query: ${median(times).toFixed(3)} ms median over ${queries.length} queries (embedding the query excluded)`);

  // Exact search of the checked queries: usearch's brute force over each block, the 10 best of all blocks kept.
  started = performance.now();
  const checkedQueries = queries.slice(0, checked);
  const best = checkedQueries.map(() => [] as Array<{ place: number; score: number }>);
  for await (const block of readOutputRows(output, record)) {
    const matches = usearch.exactSearch(block.vectors, checkedQueries, dimensions, 10, MetricKind.Cos, threads);
    checkedQueries.forEach((_, q) => {
      const { keys, distances } = 'get' in matches ? matches.get(q) : matches;
      keys.forEach((key, i) => best[q]?.push({ place: block.first + Number(key), score: 1 - (distances[i] ?? 1) }));
      best[q] = (best[q] ?? []).sort((a, b) => b.score - a.score).slice(0, 10);
    });
  }
  let hits = 0;
  best.forEach((exact, q) => {
    const approximate = new Set(found[q]);
    hits += exact.filter((row) => approximate.has(row.place)).length;
  });
  log(
    `recall@10: ${(hits / (checked * 10)).toFixed(3)} against exact search of ${checked} queries (${seconds(started)})`,
  );

  started = performance.now();
  const { groups } = await findDuplicates({ output, threshold: 0.95 });
  const exactGroups = groups.filter((group) => group.exact).length;
  log(`duplicates: ${seconds(started)}, ${groups.length} groups (${exactGroups} of one text) at 0.95`);

  started = performance.now();
  const map = await outputMap(output);
  log(`map: ${seconds(started)}, ${map.clusters.length} clusters of ${map.lines.length.toLocaleString('en')} rows`);
  log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
} finally {
  if (values.keep) log(`kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
