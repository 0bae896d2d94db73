import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getStudioApi } from './api';
import { App } from './App';
import { createStudioStore } from './store/createStudioStore';
import { StoreProvider } from './store/StoreContext';

const store = createStudioStore(getStudioApi());
// Outside React, so the event subscriptions live as long as the page, once.
void store.getState().actions.init();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <StoreProvider store={store}>
        <App />
      </StoreProvider>
    </StrictMode>,
  );
}
