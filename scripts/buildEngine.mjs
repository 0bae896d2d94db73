// `npm run build:engine [-- --gpu cuda|vulkan|metal]`: builds node-llama-cpp on this machine from the llama.cpp source it
// ships (no network), with the project's patches: to its addon (patches/node-llama-cpp/, applied by patch-package) and to
// llama.cpp (patches/llama.cpp/, applied with git apply once the source is unpacked), so that the batched engine can run.
// Takes minutes (cmake, ninja or make, a C++ compiler and git are needed); when the same build is already there it only
// says so. Without it the app still works, on the slower contexts engine.
// `npx --no node-llama-cpp source clear --type builds` removes the build again.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const LLAMA_CPP_SOURCE = join('node_modules', 'node-llama-cpp', 'llama', 'llama.cpp');
const LLAMA_CPP_PATCHES = join('patches', 'llama.cpp');

const { values } = parseArgs({ options: { gpu: { type: 'string', default: 'false' } } });
const gpu = values.gpu;
const stampPath = join('node_modules', '.cache', 'embedding-studio', `engine-build-${gpu}.json`);

function run(command, args) {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`\nbuild:engine: ${command} ${args.join(' ')} failed; the engine keeps using the contexts engine.`);
    process.exit(status ?? 1);
  }
}

/** Which binary node-llama-cpp loads for this GPU choice, asked in a process of its own: a loaded addon stays loaded. */
function loadedBuildType() {
  const script = `import { getLlama } from 'node-llama-cpp';
const llama = await getLlama({ gpu: ${gpu === 'false' ? 'false' : JSON.stringify(gpu)}, build: 'never', progressLogs: false });
process.stdout.write(llama.buildType);`;
  try {
    return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'none';
  }
}

run('npx', ['--no', '--', 'patch-package', '--patch-dir', join('patches', 'node-llama-cpp')]);
const hash = createHash('sha256').update(gpu);
hash.update(readFileSync(join('node_modules', 'node-llama-cpp', 'package.json')));
const patchFiles = readdirSync('patches', { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
for (const file of patchFiles.map((entry) => join(entry.parentPath, entry.name)).sort()) hash.update(file).update(readFileSync(file));
const stamp = hash.digest('hex');

let previous = null;
try {
  previous = JSON.parse(readFileSync(stampPath, 'utf8')).stamp;
} catch {
  // never built here
}
if (previous === stamp && loadedBuildType() === 'localBuild') {
  console.log(`build:engine: node-llama-cpp is already built here with the project's patch (gpu: ${gpu}).`);
  process.exit(0);
}

const started = Date.now();
run('npx', ['--no', 'node-llama-cpp', 'source', 'download', '--skipBuild']);
for (const name of readdirSync(LLAMA_CPP_PATCHES).sort()) {
  run('git', ['-C', LLAMA_CPP_SOURCE, 'apply', '--whitespace=nowarn', join(process.cwd(), LLAMA_CPP_PATCHES, name)]);
}
run('npx', ['--no', 'node-llama-cpp', 'source', 'build', '--gpu', gpu, '--noUsageExample']);
const buildType = loadedBuildType();
if (buildType !== 'localBuild') {
  console.error(`build:engine: the build finished, but node-llama-cpp loads its ${buildType} binary instead.`);
  process.exit(1);
}
mkdirSync(join(stampPath, '..'), { recursive: true });
writeFileSync(stampPath, JSON.stringify({ stamp, builtAt: new Date().toISOString() }));
console.log(`build:engine: built in ${Math.round((Date.now() - started) / 1000)} s (gpu: ${gpu}).`);
