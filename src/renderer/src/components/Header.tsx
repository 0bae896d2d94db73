import { formatBytes } from '#shared/format';
import { useStudio } from '../store/StoreContext';

export function Header() {
  const system = useStudio((state) => state.system);
  return (
    <header className="app-header">
      <h1>Embedding Studio</h1>
      <p className="tagline">Turn a large text file into embeddings with a local GGUF model.</p>
      {system && (
        <p className="system">
          {system.cpuModel} · {system.cores} cores · {formatBytes(system.totalMemoryBytes)} memory
          {system.gpu ? ` · ${system.gpu.name} (${formatBytes(system.gpu.vramTotalBytes)})` : ' · no GPU found'}
          {system.backends.length > 0 && ` · backends: ${system.backends.join(', ')}`}
        </p>
      )}
    </header>
  );
}
