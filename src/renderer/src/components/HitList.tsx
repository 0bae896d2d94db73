import type { ExploreHit } from '#shared/contract';
import { formatCount } from '#shared/format';

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
        <li key={hit.chunk ? `${hit.line}:${hit.chunk.index}` : hit.line}>
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
            {hit.chunk && (
              <span className="chunk-place">
                Chunk {hit.chunk.index}, characters {formatCount(hit.chunk.charStart)}–{formatCount(hit.chunk.charEnd)}{' '}
                of the line
              </span>
            )}
            {hit.text}
          </span>
        </li>
      ))}
    </ol>
  );
}
