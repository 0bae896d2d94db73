import { stat } from 'node:fs/promises';
import { advice, EmbeddingError } from '#core/errors';
import type { ProbeLauncher } from '#core/modelProbe';
import { readRunRecord } from '#core/runRecord';
import { searchOutput } from '#core/search/exactSearch';
import type { ExploredOutput, ExploreHit } from '#shared/contract';
import type { GpuChoice } from '#shared/engine';
import type { CatalogEntry } from '#shared/modelLibrary';
import type { ParsedParams } from './requestParams';

/** Characters of a row's text a result carries: enough for a list of results, never a whole long document. */
export const PREVIEW_CHARS = 500;

/** What Explore needs from the rest of the host, asked for each request so that it follows the settings. */
export interface ExploreContext {
  /** Where the run's model is looked for by its file name when it is no longer where the run found it. */
  modelsDir(): Promise<string>;
  catalog(): Promise<CatalogEntry[]>;
  hardware(): Promise<{ gpu: GpuChoice; threads: number | null }>;
  probe: ProbeLauncher;
}

/** What the run record of `output` says of it, with the catalog's query prefix for its model where it has one. */
export async function openOutput(output: string, context: ExploreContext): Promise<ExploredOutput> {
  await checkOutputFile(output);
  const record = await readRunRecord(output);
  const entry = (await context.catalog()).find((each) => each.fileName === record.model.file);
  return {
    output,
    format: record.output.format,
    rows: record.output.rows,
    modelFile: record.model.file,
    modelName: record.model.name,
    documentPrefix: record.vectors.prefix,
    queryPrefix: entry ? entry.queryPrefix : null,
    finishedAt: record.finishedAt,
  };
}

/** Exact search of `output` with the model its run recorded; texts come back cut to PREVIEW_CHARS, vectors never. */
export async function searchExplored(
  { output, query, top, queryPrefix }: ParsedParams<'explore:search'>,
  context: ExploreContext,
): Promise<{ hits: ExploreHit[] }> {
  await checkOutputFile(output);
  const { gpu, threads } = await context.hardware();
  const hits = await searchOutput({
    output,
    query,
    top,
    queryPrefix,
    modelsDir: await context.modelsDir(),
    gpu,
    threads: threads ?? undefined,
    probe: context.probe,
  });
  return { hits: hits.map(({ line, score, text }) => ({ line, score, text: preview(text) })) };
}

function preview(text: string): string {
  const chars = Array.from(text);
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…`;
}

/** The output itself must be there: a run record beside nothing is no output to explore. */
async function checkOutputFile(output: string): Promise<void> {
  const found = await stat(output).catch(() => null);
  if (!found)
    throw new EmbeddingError(
      'FILE_NOT_FOUND',
      `${output} does not exist.`,
      advice('Check the path: Explore opens the output file of a finished run.'),
    );
  if (!found.isFile())
    throw new EmbeddingError(
      'NOT_A_FILE',
      `${output} is not a file.`,
      advice('Choose the output file of a finished run, not a folder.'),
    );
}
