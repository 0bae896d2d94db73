import { Banners } from './components/Banners';
import { Header } from './components/Header';
import { InputPanel } from './components/InputPanel';
import { ModelPanel } from './components/ModelPanel';
import { RunPanel } from './components/RunPanel';
import { SettingsPanel } from './components/SettingsPanel';
import { SkippedLinesList } from './components/SkippedLinesList';
import { useFileDrop } from './components/useFileDrop';
import { useActions } from './store/StoreContext';

export function App() {
  const actions = useActions();
  const dragging = useFileDrop(actions.dropFiles);
  return (
    <div className="app">
      <Header />
      <Banners />
      <main className="columns">
        <div className="column">
          <ModelPanel />
          <InputPanel />
          <SettingsPanel />
        </div>
        <div className="column">
          <RunPanel />
          <SkippedLinesList />
        </div>
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <p>Drop a .gguf file to use it as the model, or any other file as the input.</p>
        </div>
      )}
    </div>
  );
}
