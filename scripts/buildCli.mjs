// `npm run build:cli [-- --if-stale]`: bundles the command line (src/cli/index.ts and what it imports) into plain
// JavaScript in out/cli/, which bin/embedding-studio.js runs: no TypeScript compiler at start-up. Its dependencies
// (node-llama-cpp and the rest) stay in node_modules, as the app's main process does. With --if-stale it builds only
// when a source file is newer than the bundle, and says nothing: what `npm run cli`, `npm run bench:start` and vitest's
// global setup do first.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const OUT_DIR = join('out', 'cli');
const BUNDLE = join(OUT_DIR, 'index.js');
// Everything the bundle is made of: the source folders it imports from (src/host for the settings location), the
// version, this script.
const SOURCES = ['cli', 'core', 'shared', 'host']
  .map((folder) => join('src', folder))
  .concat('package.json', join('scripts', 'buildCli.mjs'));

function newestChange(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path, { recursive: true }))
    newest = Math.max(newest, statSync(join(path, entry)).mtimeMs);
  return newest;
}

function isStale() {
  let built;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return true;
  }
  return SOURCES.some((source) => newestChange(source) > built);
}

const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean', default: false } } });
if (!values['if-stale'] || isStale()) {
  const started = performance.now();
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir: OUT_DIR,
      emptyOutDir: true,
      target: 'node20',
      // The commands stay chunks of their own, loaded when run: --help and usage errors never load node-llama-cpp.
      // One folder for all, so that import.meta.dirname is out/cli/ wherever the code lands.
      // The model probe's worker is an entry of its own: the CLI forks it to try a model before loading it.
      rolldownOptions: {
        input: { index: join('src', 'cli', 'index.ts'), modelProbeWorker: join('src', 'core', 'modelProbeWorker.ts') },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  });
  if (!values['if-stale'])
    console.error(`build:cli: ${BUNDLE} built in ${Math.round(performance.now() - started)} ms.`);
}
