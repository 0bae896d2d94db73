import type { ExploreDuplicates, ExploreIndexState } from '#shared/contract';
import { MAX_SHOWN_GROUP_ROWS } from '#shared/contract';
import { formatCount } from '#shared/format';
import { longWorkRunning } from '../store/exploreSlice';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { rowLabel } from './HitList';
import { PathField } from './PathField';

/** `done` of `total` as a whole percentage. */
function percent(done: number, total: number): string {
  return `${total ? Math.floor((done / total) * 100) : 0}%`;
}

function CancelButton() {
  const actions = useActions();
  return (
    <button type="button" onClick={() => void actions.cancelLongWork()}>
      Cancel
    </button>
  );
}

/** What the index beside the output is, in words. */
function indexStateText(index: ExploreIndexState): string {
  if (index.state === 'missing') return 'No index yet: search and neighbours read every row.';
  if (index.state === 'stale')
    return `Not used: ${index.reason}. Search and neighbours read every row until it is rebuilt.`;
  return `Built ${new Date(index.builtAt).toLocaleString()} from ${formatCount(index.rows)} rows.`;
}

/** The output's index (`<output>.index`): its state, and a button that builds it (again), with progress and Cancel. */
export function IndexPanel() {
  const explore = useStudio((state) => state.explore);
  const actions = useActions();
  const { opened, indexing, indexError } = explore;
  if (!opened) return null;
  return (
    <section className="panel" aria-labelledby="index-heading">
      <h2 id="index-heading">Index</h2>
      <p className="note">{indexStateText(opened.index)}</p>
      <div className="actions">
        <button type="button" onClick={() => void actions.buildIndex()} disabled={longWorkRunning(explore)}>
          {opened.index.state === 'missing' ? 'Build the index' : 'Rebuild the index'}
        </button>
        {indexing && (
          <>
            <span className="status" role="status">
              Indexing: {percent(indexing.done, indexing.total)}
            </span>
            <CancelButton />
          </>
        )}
      </div>
      <ErrorMessage error={indexError} />
    </section>
  );
}

/** Groups of rows at least the threshold alike: counts, the first groups, and exports of them. */
export function DuplicatesPanel() {
  const explore = useStudio((state) => state.explore);
  const actions = useActions();
  const { opened, threshold, findingDuplicates, duplicates, duplicatesError } = explore;
  if (!opened) return null;
  return (
    <section className="panel" aria-labelledby="duplicates-heading">
      <h2 id="duplicates-heading">Duplicates</h2>
      <div className="field-row">
        <div className="field">
          <label htmlFor="duplicates-threshold">Threshold (cosine similarity)</label>
          <input
            id="duplicates-threshold"
            type="number"
            min={0}
            max={1}
            step={0.01}
            value={threshold}
            onChange={(event) => actions.setThreshold(event.target.valueAsNumber)}
          />
        </div>
      </div>
      <div className="actions">
        <button type="button" onClick={() => void actions.findDuplicates()} disabled={longWorkRunning(explore)}>
          Find duplicates
        </button>
        {findingDuplicates && (
          <>
            <span className="status" role="status">
              {findingDuplicates.phase === 'index' ? 'Indexing in memory' : 'Grouping'}:{' '}
              {percent(findingDuplicates.done, findingDuplicates.total)}
            </span>
            <CancelButton />
          </>
        )}
      </div>
      <ErrorMessage error={duplicatesError} />
      {duplicates && duplicates.output === opened.output && <DuplicateGroups duplicates={duplicates} />}
    </section>
  );
}

function DuplicateGroups({ duplicates }: { duplicates: ExploreDuplicates }) {
  const host = useStudio((state) => state.host);
  const { duplicatesPath, duplicatesExported } = useStudio((state) => state.explore);
  const actions = useActions();
  if (!duplicates.groups) return <p className="empty">No rows are at least {duplicates.threshold} alike.</p>;
  const shown = duplicates.shown.length;
  return (
    <>
      <p role="status" className="duplicate-counts">
        {formatCount(duplicates.groups)} groups ({formatCount(duplicates.exactGroups)} of one text) of{' '}
        {formatCount(duplicates.rowsInGroups)} rows at {duplicates.threshold}; {formatCount(duplicates.rowsToKeep)} rows
        to keep.
      </p>
      {host !== 'electron' && (
        <PathField
          id="duplicates-export"
          label="Export to"
          value={duplicatesPath}
          placeholder="/path/to/duplicates.jsonl"
          error={null}
          onChange={actions.setDuplicatesPath}
        />
      )}
      <div className="actions">
        <button type="button" onClick={() => void actions.exportDuplicates('groups')}>
          Export groups
        </button>
        <button type="button" onClick={() => void actions.exportDuplicates('keep')}>
          Export rows to keep
        </button>
        {duplicatesExported && (
          <span className="status">
            {duplicatesExported.what === 'groups' ? 'Groups' : 'Rows to keep'} written to {duplicatesExported.path}
          </span>
        )}
      </div>
      {shown < duplicates.groups && (
        <p className="note">
          The first {formatCount(shown)} groups, {MAX_SHOWN_GROUP_ROWS} rows of each at most; the exports hold them all.
        </p>
      )}
      <ol className="duplicate-groups" aria-label="Duplicate groups">
        {duplicates.shown.map((group) => (
          <li key={group.rows[0]?.place ?? 0}>
            <p className="score">
              {group.exact ? 'Same text' : `At least ${group.minScore.toFixed(3)} alike`}, {formatCount(group.size)}{' '}
              rows
            </p>
            <ol className="hits">
              {group.rows.map((row) => (
                <li key={row.place}>
                  <button
                    type="button"
                    className="line-number link"
                    title="Show the rows nearest to this one"
                    onClick={() => void actions.showNeighbours(row.place)}
                  >
                    <span className="visually-hidden">Neighbours of </span>
                    {rowLabel(row)}
                  </button>
                  <span className="hit-text">{row.text}</span>
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
    </>
  );
}
