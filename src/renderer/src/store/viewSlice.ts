import type { Slice, SliceContext } from './sliceContext';
import type { ViewActions } from './types';

/** Which view the window shows (Models, Embed, Explore), and a pending request to focus Explore's search box. */
export function createViewSlice({ get, patch }: SliceContext): Slice<'view', ViewActions> {
  const actions: ViewActions = {
    showView(current) {
      patch('view', { current });
      // Explore opens on the run just finished, unless an output is already chosen there.
      if (current === 'explore') void get().actions.exploreLastRun();
    },

    applyShortcut(shortcut) {
      if (shortcut.kind === 'view') return actions.showView(shortcut.view);
      actions.showView('explore');
      patch('view', { focusSearch: true });
    },

    searchFocused() {
      patch('view', { focusSearch: false });
    },
  };
  return { state: { view: { current: 'embed', focusSearch: false } }, actions };
}
