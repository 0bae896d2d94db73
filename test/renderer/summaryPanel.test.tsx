import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SummaryPanel } from '../../src/renderer/src/components/SummaryPanel';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { StoreProvider } from '../../src/renderer/src/store/StoreContext';
import { FakeStudioApi, jobState, jobSummary } from './fakeStudioApi';

describe('the summary of a finished run', () => {
  it('splits the run’s time into its phases and names the run record beside the output', () => {
    const store = createStudioStore(new FakeStudioApi());
    store.setState({ job: { ...store.getState().job, ...jobState(1, 'done', { summary: jobSummary() }) } });
    // renderToStaticMarkup renders what zustand gives a server render, the store's initial state: this one.
    store.getInitialState = store.getState;

    const html = renderToStaticMarkup(
      <StoreProvider store={store}>
        <SummaryPanel />
      </StoreProvider>,
    );

    expect(html).toContain(
      '<dt>Time</dt><dd>2.0 s (tokenize 5.0%, decode 85.0%, read-out 1.0%, write 4.0%, idle 5.0%)</dd>',
    );
    expect(html).toContain('<li>/data/notes.embeddings.run.json</li>');
  });
});
