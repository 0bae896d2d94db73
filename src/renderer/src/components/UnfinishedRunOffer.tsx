import { formatCount } from '#shared/format';
import { runBlockers } from '../store/startGuard';
import { useActions, useStudio } from '../store/StoreContext';

/** The unfinished run saved for the chosen output: resume it where it read the chosen input, or start over. */
export function UnfinishedRunOffer() {
  const unfinished = useStudio((state) => state.unfinished);
  const cannotRun = useStudio((state) => state.job.pending !== null || runBlockers(state).length > 0);
  const actions = useActions();
  if (!unfinished) return null;
  const { input, sameInput, model } = unfinished;
  if (unfinished.complete) {
    return (
      <section className="offer" aria-label="Unfinished run">
        <p>
          A run of this output{sameInput ? '' : `, of another input (${input}),`} embedded every line with {model} and
          was stopped while giving its files their final names. Finish gives them their names; Start over embeds the
          chosen input again.
        </p>
        <button
          type="button"
          className="primary"
          disabled={cannotRun}
          onClick={() => void actions.resumeUnfinishedRun()}
        >
          Finish
        </button>
        <button type="button" disabled={cannotRun} onClick={() => void actions.startOver()}>
          Start over
        </button>
      </section>
    );
  }
  const stopped = `stopped after line ${formatCount(unfinished.lastLine)} (${formatCount(unfinished.embedded)} embedded with ${model})`;
  return (
    <section className="offer" aria-label="Unfinished run">
      {sameInput ? (
        <p>An unfinished run of this output {stopped}. Resume continues from there; Start over replaces it.</p>
      ) : (
        <p>
          An unfinished run of this output, of another input ({input}), {stopped}. Start over replaces it with a run of
          the chosen input; or choose another output file.
        </p>
      )}
      {sameInput && (
        <button
          type="button"
          className="primary"
          disabled={cannotRun}
          onClick={() => void actions.resumeUnfinishedRun()}
        >
          Resume unfinished run
        </button>
      )}
      <button type="button" disabled={cannotRun} onClick={() => void actions.startOver()}>
        Start over
      </button>
    </section>
  );
}
