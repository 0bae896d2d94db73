import type { ExploreHit, ExploreRow } from '#shared/contract';
import { formatCount } from '#shared/format';

/** Which row it is: `line 12`, `line 12, chunk 3`, or for a folder's documents `notes/b.md, page 2, chunk 3`. */
export function rowLabel({ line, chunk, document }: Pick<ExploreRow, 'line' | 'chunk' | 'document'>): string {
  const of = document
    ? `${document.source}${document.page === null ? '' : `, page ${document.page}`}`
    : `line ${formatCount(line)}`;
  return chunk ? `${of}, chunk ${chunk.index}` : of;
}

/** Where a chunk comes from: its document (file, page) or line, and the characters of that text it covers. */
function chunkPlace({ chunk, document }: ExploreHit): string {
  if (!chunk) return '';
  const characters = `characters ${formatCount(chunk.charStart)}–${formatCount(chunk.charEnd)}`;
  if (!document) return `Chunk ${chunk.index}, ${characters} of the line`;
  const page = document.page === null ? '' : `, page ${document.page}`;
  return `${document.source}${page}: chunk ${chunk.index}, ${characters}`;
}

/**
 * Rows found, best first: each its line, score and text, and for a chunk which one it is and where in its line; with
 * `onPick`, a row's line is a button that picks it (to list its neighbours).
 */
export function HitList({
  hits,
  label,
  onPick,
}: {
  hits: readonly ExploreHit[];
  label: string;
  onPick?: (hit: ExploreHit) => void;
}) {
  return (
    <ol className="hits" aria-label={label}>
      {hits.map((hit) => (
        <li key={hit.place}>
          {onPick ? (
            <button
              type="button"
              className="line-number link"
              title="Show the rows nearest to this one"
              onClick={() => onPick(hit)}
            >
              <span className="visually-hidden">Neighbours of line </span>
              {formatCount(hit.line)}
            </button>
          ) : (
            <span className="line-number">
              <span className="visually-hidden">Line </span>
              {formatCount(hit.line)}
            </span>
          )}
          <span className="score" title="Cosine similarity">
            {hit.score.toFixed(3)}
          </span>
          <span className="hit-text">
            {hit.chunk && <span className="chunk-place">{chunkPlace(hit)}</span>}
            {hit.text}
          </span>
        </li>
      ))}
    </ol>
  );
}
