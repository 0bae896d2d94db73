import { catalogEntries, findCatalogModel } from '#core/library/modelCatalog';
import { incompleteDownloads, listModels, modelFilesToRemove, removeFiles } from '#core/library/modelsFolder';
import { pullModel, pullTarget } from '#core/library/pullModel';
import { drawDownload } from '../downloadProgress';
import { EXIT, type ExitCode } from '../exitCodes';
import { roundFloats } from '../format';
import { cancelOnInterrupt } from '../interrupt';
import { formatModelsList, formatPulled } from '../libraryReport';
import type { ModelsCommandOptions } from '../modelsArgs';
import { modelsDirFor } from '../modelsDir';
import { ProgressBar } from '../progressBar';

/** `models list`, `models pull` and `models rm`: the models folder and the catalog. */
export async function runModels(options: ModelsCommandOptions): Promise<ExitCode> {
  const dir = await modelsDirFor(options.modelsDir);
  switch (options.action) {
    case 'list':
      return list(dir, options.json);
    case 'pull':
      return pull(dir, options.name, options.json);
    case 'rm':
      return remove(dir, options.name, options.json);
  }
}

async function list(dir: string, json: boolean): Promise<ExitCode> {
  const [models, incomplete, catalog] = await Promise.all([
    listModels(dir),
    incompleteDownloads(dir),
    catalogEntries(dir),
  ]);
  const listing = { dir, models, incomplete, catalog };
  print(json ? JSON.stringify(listing) : formatModelsList(listing));
  return EXIT.ok;
}

async function pull(dir: string, name: string, json: boolean): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const interrupt = cancelOnInterrupt(() => {
    bar?.close();
    process.stderr.write('Cancelling; press Ctrl-C again to quit at once.\n');
  });
  const started = performance.now();
  try {
    bar?.status(`Looking up ${name} ...`);
    const pulled = await pullModel(name, {
      dir,
      signal: interrupt.signal,
      ...(bar ? drawDownload(bar, process.stderr) : {}),
    });
    bar?.close();
    const elapsedMs = performance.now() - started;
    const catalog = pullTarget(name)?.catalog ?? null;
    print(
      json ? JSON.stringify({ ...pulled, catalog, elapsedMs }, roundFloats) : formatPulled(pulled, elapsedMs, catalog),
    );
  } finally {
    bar?.close();
    interrupt.dispose();
  }
  return EXIT.ok;
}

async function remove(dir: string, name: string, json: boolean): Promise<ExitCode> {
  const removed = await modelFilesToRemove(dir, name, findCatalogModel(name)?.fileName);
  await removeFiles(removed);
  print(json ? JSON.stringify({ removed }) : removed.map((path) => `Removed ${path}`).join('\n'));
  return EXIT.ok;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
