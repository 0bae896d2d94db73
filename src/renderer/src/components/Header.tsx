import type { SystemInfo } from '#shared/contract';
import { formatBytes } from '#shared/format';
import { shortcutLabel, VIEW_KEYS } from '../store/shortcuts';
import { useActions, useStudio } from '../store/StoreContext';
import type { ViewName } from '../store/types';

const VIEW_LABELS: Record<ViewName, string> = { models: 'Models', embed: 'Embed', explore: 'Explore' };

export function Header() {
  const system = useStudio((state) => state.system);
  return (
    <header className="app-header">
      <h1>Embedding Studio</h1>
      <ViewBar mac={system?.platform === 'darwin'} />
      {system && <SystemLine system={system} />}
    </header>
  );
}

/** The machine in one line, cut to the header's width; the whole of it in its tooltip. */
function SystemLine({ system }: { system: SystemInfo }) {
  const gpu = system.gpu ? `${system.gpu.name} (${formatBytes(system.gpu.vramTotalBytes)})` : 'no GPU found';
  const backends = system.backends.length > 0 ? ` · backends: ${system.backends.join(', ')}` : '';
  const text = `${system.cpuModel} · ${system.cores} cores · ${formatBytes(system.totalMemoryBytes)} memory · ${gpu}${backends}`;
  return (
    <p className="system" title={text}>
      {text}
    </p>
  );
}

/** The views, each with its shortcut. */
function ViewBar({ mac }: { mac: boolean }) {
  const current = useStudio((state) => state.view.current);
  const actions = useActions();
  return (
    <nav className="views" aria-label="Views">
      {VIEW_KEYS.map(({ view, digit }) => (
        <button
          key={view}
          type="button"
          aria-current={view === current ? 'page' : undefined}
          aria-keyshortcuts={`Control+${digit} Meta+${digit} Alt+${digit}`}
          title={`${VIEW_LABELS[view]} (${shortcutLabel(digit, mac)})`}
          onClick={() => actions.showView(view)}
        >
          {VIEW_LABELS[view]}
          <kbd aria-hidden="true">{shortcutLabel(digit, mac)}</kbd>
        </button>
      ))}
    </nav>
  );
}
