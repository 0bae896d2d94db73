import { basename } from 'node:path';
import type { ProbeLauncher } from '#core/modelProbe';
import { searchOutput, type SearchHit } from '#core/search/exactSearch';
import type { SearchCommandOptions } from '../args';
import { drawDownload } from '../downloadProgress';
import { EXIT, type ExitCode } from '../exitCodes';
import { modelFileFor, modelReferenceFor } from '../modelArgument';
import { modelsDirFor } from '../modelsDir';
import { noticePrinter, ProgressBar } from '../progressBar';

/** Room for a result's text where stdout is no terminal. */
const TEXT_WIDTH = 100;

/**
 * `search`: embeds --query with the model of the run that made --embeddings (or --model, which must be that model)
 * and prints the rows nearest to it, best first.
 */
export async function runSearch(options: SearchCommandOptions, probe: ProbeLauncher): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  let hits: SearchHit[];
  try {
    const model =
      options.model === undefined
        ? undefined
        : await modelFileFor(await modelReferenceFor(options.model, options.modelsDir), {
            ...(bar ? drawDownload(bar, process.stderr) : {}),
          });
    bar?.status(`Searching ${basename(options.embeddings)} ...`);
    hits = await searchOutput({
      output: options.embeddings,
      query: options.query,
      top: options.top,
      queryPrefix: options.queryPrefix,
      model,
      modelsDir: model === undefined ? await modelsDirFor(options.modelsDir) : undefined,
      gpu: options.gpu,
      threads: options.threads,
      probe,
      onNotice: noticePrinter(bar),
      exact: options.exact,
    });
  } finally {
    bar?.close();
  }
  process.stdout.write(options.json ? hitsJson(hits) : formatHits(hits));
  return EXIT.ok;
}

/** `{"results": [...]}` on one line, a chunk's row with the fields its output row has: chunk, char_start, char_end. */
export function hitsJson(hits: readonly SearchHit[]): string {
  const results = hits.map(({ line, chunk, document, score, text }) => ({
    line,
    ...(document ? { source: document.source, page: document.page } : {}),
    ...(chunk ? { chunk: chunk.index, char_start: chunk.charStart, char_end: chunk.charEnd } : {}),
    score,
    text,
  }));
  return `${JSON.stringify({ results })}\n`;
}

/**
 * One line per result, `line  score  text` (`line:chunk` for a chunk, `source p.page:chunk` for a document's), the
 * text cut to the terminal's width.
 */
export function formatHits(hits: readonly SearchHit[]): string {
  if (!hits.length) return 'No rows.\n';
  const where = ({ line, chunk, document }: SearchHit): string => {
    const page = document?.page ? ` p.${document.page}` : '';
    const of = document ? `${document.source}${page}` : String(line);
    return chunk ? `${of}:${chunk.index}` : of;
  };
  const lineWidth = Math.max(...hits.map((hit) => where(hit).length));
  const width = process.stdout.isTTY ? process.stdout.columns : TEXT_WIDTH + lineWidth + 10;
  return hits
    .map((hit) => {
      const head = `${where(hit).padStart(lineWidth)}  ${hit.score.toFixed(4)}  `;
      return `${head}${cut(hit.text.replace(/\s+/g, ' '), Math.max(20, width - head.length))}\n`;
    })
    .join('');
}

function cut(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}
