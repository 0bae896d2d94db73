import { useEffect, useRef } from 'react';
import type { ExploredOutput, ExploreHit } from '#shared/contract';
import { formatCount } from '#shared/format';
import { shortcutLabel } from '../store/shortcuts';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { Facts } from './Facts';
import { HitList, rowLabel } from './HitList';
import { DuplicatesPanel, IndexPanel } from './LongWorkPanels';
import { MapPanel } from './MapPanel';
import { PathField } from './PathField';
import { SelectField } from './SelectField';

const TOP_OPTIONS = ['10', '25', '50', '100'].map((value) => ({ value, label: value }));

/** A finished output searched by meaning: its file, the query and its prefix, and the nearest rows. */
export function ExploreView() {
  const explore = useStudio((state) => state.explore);
  const host = useStudio((state) => state.host);
  const mac = useStudio((state) => state.system?.platform === 'darwin');
  const focusSearch = useStudio((state) => state.view.focusSearch);
  const actions = useActions();
  const queryBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!focusSearch) return;
    queryBox.current?.focus();
    actions.searchFocused();
  }, [focusSearch, actions]);

  return (
    <div className="columns">
      <div className="column">
        <section className="panel" aria-labelledby="explore-heading">
          <h2 id="explore-heading">Explore</h2>
          <PathField
            id="explore-output"
            label="Embeddings file"
            value={explore.path}
            placeholder="/path/to/embeddings.jsonl, .npy or .parquet"
            error={explore.openError}
            onChange={actions.setExplorePath}
            onCommit={() => void actions.openExplored()}
            onBrowse={host === 'electron' ? () => void actions.pickExplorePath() : undefined}
          />
          {explore.opening && (
            <p className="status" role="status">
              Reading its run record…
            </p>
          )}
          {explore.opened && <OutputFacts opened={explore.opened} />}
          <div className="search" role="search">
            <div className="field">
              <label htmlFor="explore-query">Search by meaning</label>
              <input
                id="explore-query"
                ref={queryBox}
                type="search"
                value={explore.query}
                placeholder={`A text to find rows like (${shortcutLabel('K', mac)} or /)`}
                aria-keyshortcuts="Control+K Meta+K /"
                onChange={(event) => actions.setQuery(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') void actions.search();
                }}
              />
            </div>
            <div className="field-row">
              <div className="field">
                <label htmlFor="explore-prefix">Query prefix</label>
                <input
                  id="explore-prefix"
                  type="text"
                  value={explore.queryPrefix}
                  placeholder="none"
                  spellCheck={false}
                  onChange={(event) => actions.setQueryPrefix(event.target.value)}
                />
              </div>
              <SelectField
                id="explore-top"
                label="Results"
                value={String(explore.top)}
                options={TOP_OPTIONS}
                onChange={(value) => actions.setTop(Number(value))}
              />
            </div>
            <p className="note">
              Put before the query, as the run put its prefix before every text; retrieval models expect their own.
            </p>
            <div className="actions">
              <button
                type="button"
                className="primary"
                disabled={explore.searching || explore.opening || !explore.query.trim()}
                onClick={() => void actions.search()}
              >
                Search
              </button>
              {explore.searching && (
                <span className="status" role="status">
                  Searching…
                </span>
              )}
            </div>
            <ErrorMessage error={explore.error} />
          </div>
        </section>
        <IndexPanel />
        <DuplicatesPanel />
      </div>
      <div className="column">
        <section className="panel" aria-labelledby="results-heading">
          <h2 id="results-heading">Results</h2>
          <Results hits={explore.hits} />
        </section>
        <MapPanel />
        <Neighbours />
      </div>
    </div>
  );
}

function OutputFacts({ opened }: { opened: ExploredOutput }) {
  return (
    <Facts
      label="About the embeddings"
      rows={[
        ['Rows', formatCount(opened.rows)],
        ['Format', opened.format],
        ['Model', `${opened.modelName} (${opened.modelFile})`],
        ['Document prefix', opened.documentPrefix || 'none'],
        ['Finished', new Date(opened.finishedAt).toLocaleString()],
      ]}
    />
  );
}

function Results({ hits }: { hits: readonly ExploreHit[] | null }) {
  const actions = useActions();
  if (hits === null) return <p className="empty">The rows nearest to the query appear here, best first.</p>;
  if (hits.length === 0) return <p className="empty">The output has no rows.</p>;
  return <HitList hits={hits} label="Search results" onPick={(hit) => void actions.showNeighbours(hit.place)} />;
}

/** The row picked (a result, or a point of the map) and the rows nearest to it. */
function Neighbours() {
  const neighbours = useStudio((state) => state.explore.neighbours);
  const error = useStudio((state) => state.explore.neighboursError);
  const actions = useActions();
  if (!neighbours && !error) return null;
  return (
    <section className="panel" aria-labelledby="neighbours-heading">
      <h2 id="neighbours-heading">{neighbours ? `Neighbours of ${rowLabel(neighbours.row)}` : 'Neighbours'}</h2>
      <ErrorMessage error={error} />
      {neighbours && (
        <>
          <p className="hit-text">{neighbours.row.text}</p>
          <HitList hits={neighbours.hits} label="Neighbours" onPick={(hit) => void actions.showNeighbours(hit.place)} />
        </>
      )}
    </section>
  );
}
