import { InputPanel } from './InputPanel';
import { ModelPanel } from './ModelPanel';
import { RunPanel } from './RunPanel';
import { SettingsPanel } from './SettingsPanel';
import { SkippedLinesList } from './SkippedLinesList';

/** The form and the run side by side, each column scrolling on its own so that the window never does. */
export function EmbedView() {
  return (
    <div className="columns">
      <div className="column">
        <ModelPanel />
        <InputPanel />
        <SettingsPanel />
      </div>
      <div className="column">
        <RunPanel />
        <SkippedLinesList />
      </div>
    </div>
  );
}
