import { Banners } from './components/Banners';
import { EmbedView } from './components/EmbedView';
import { ExploreView } from './components/ExploreView';
import { Header } from './components/Header';
import { ModelsView } from './components/ModelsView';
import { useFileDrop } from './components/useFileDrop';
import { useShortcuts } from './components/useShortcuts';
import { useActions, useStudio } from './store/StoreContext';

export function App() {
  const actions = useActions();
  const view = useStudio((state) => state.view.current);
  const dragging = useFileDrop(actions.dropFiles);
  useShortcuts(actions.applyShortcut);
  return (
    <div className="app">
      <Header />
      <Banners />
      <main className="view">
        {view === 'models' && <ModelsView />}
        {view === 'embed' && <EmbedView />}
        {view === 'explore' && <ExploreView />}
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <p>Drop a .gguf file to use it as the model, or any other file as the input.</p>
        </div>
      )}
    </div>
  );
}
