import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Header } from '../../src/renderer/src/components/Header';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { StoreProvider } from '../../src/renderer/src/store/StoreContext';
import { FakeStudioApi } from './fakeStudioApi';

function header(platform: string | null, view: 'models' | 'embed' | 'explore' = 'embed'): string {
  const store = createStudioStore(new FakeStudioApi());
  store.setState({ view: { current: view, focusSearch: false } });
  if (platform) {
    store.setState({
      system: {
        platform,
        arch: 'x64',
        cpuModel: 'Test CPU',
        cores: 4,
        totalMemoryBytes: 8 * 2 ** 30,
        freeMemoryBytes: 4 * 2 ** 30,
        backends: ['cpu'],
        gpu: null,
      },
    });
  }
  // renderToStaticMarkup renders what zustand gives a server render, the store's initial state: this one.
  store.getInitialState = store.getState;
  return renderToStaticMarkup(
    <StoreProvider store={store}>
      <Header />
    </StoreProvider>,
  );
}

describe('the view bar', () => {
  it('marks the view shown and writes each view’s shortcut as the platform does', () => {
    const linux = header('linux', 'explore');
    expect(linux).toMatch(
      /<button type="button" aria-current="page"[^>]*>Explore<kbd aria-hidden="true">Ctrl\+3<\/kbd>/,
    );
    expect(linux).toMatch(/<button type="button" aria-keyshortcuts="Control\+1 Meta\+1 Alt\+1"[^>]*>Models<kbd/);
    expect(linux.match(/aria-current/g)).toHaveLength(1);
    expect(header('darwin')).toContain('Embed<kbd aria-hidden="true">⌘2</kbd>');
    expect(linux).toContain(
      '<p class="system" title="Test CPU · 4 cores · 8.0 GiB memory · no GPU found · backends: cpu">Test CPU · 4 cores',
    );
  });
});
