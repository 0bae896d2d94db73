// `npm run build:engine [-- --gpu cuda|vulkan|metal]`: builds node-llama-cpp on this machine from the llama.cpp source it
// ships (no network), with the project's patches: to its addon (patches/node-llama-cpp/, applied by patch-package) and to
// llama.cpp (patches/llama.cpp/, applied with git apply once the source is unpacked), so that the batched engine can run.
// Takes minutes (cmake, ninja or make, a C++ compiler and git are needed); when the same build is already there it only
// checks it. Every build ends with a self-check (scripts/engineSelfCheck.mjs): where the binary dies on this CPU, it is
// built again without the instruction sets the CPU advertises but cannot run (AMX first), and where none is left to try,
// removed, so that the app uses node-llama-cpp's prebuilt binary. Without it the app still works, on the slower
// contexts engine. `npx --no node-llama-cpp source clear --type builds` removes the build again.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterSelfCheck, buildEnvironment, featureFlags, runSelfCheck } from './engineSelfCheck.mjs';

const LLAMA_CPP_SOURCE = join('node_modules', 'node-llama-cpp', 'llama', 'llama.cpp');
const LLAMA_CPP_PATCHES = join('patches', 'llama.cpp');

const { values } = parseArgs({ options: { gpu: { type: 'string', default: 'false' } } });
const gpu = values.gpu;
const stampPath = join('node_modules', '.cache', 'embedding-studio', `engine-build-${gpu}.json`);

function run(command, args, env = process.env) {
  const { status } = spawnSync(command, args, { stdio: 'inherit', env });
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
    return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return 'none';
  }
}

run('npx', ['--no', '--', 'patch-package', '--patch-dir', join('patches', 'node-llama-cpp')]);
const inputs = createHash('sha256').update(gpu);
inputs.update(readFileSync(join('node_modules', 'node-llama-cpp', 'package.json')));
const patchFiles = readdirSync('patches', { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
for (const file of patchFiles.map((entry) => join(entry.parentPath, entry.name)).sort())
  inputs.update(file).update(readFileSync(file));
/** The stamp of a build from these sources with these features left out. */
const stampOf = (dropped) => inputs.copy().update(featureFlags(dropped).join(' ')).digest('hex');

let previous = null;
try {
  previous = JSON.parse(readFileSync(stampPath, 'utf8'));
} catch {
  // never built here
}
let dropped = Array.isArray(previous?.dropped) ? previous.dropped : [];
let builtAt = previous?.builtAt;
const described = () =>
  dropped.length ? ` without ${dropped.join(' and ')} (${featureFlags(dropped).join(' ')})` : '';

const started = Date.now();
if (previous?.stamp === stampOf(dropped) && loadedBuildType() === 'localBuild') {
  console.log(
    `build:engine: node-llama-cpp is already built here with the project's patches${described()} (gpu: ${gpu}); checking it.`,
  );
} else {
  // Features found unusable here before stay out of a build from newer sources.
  build();
}
for (;;) {
  const child = runSelfCheck(gpu);
  if (child.output) console.log(child.output);
  const verdict = afterSelfCheck(child, dropped);
  if (verdict.next === 'done') break;
  if (verdict.next === 'rebuild') {
    dropped = [...dropped, verdict.drop];
    console.log(
      `\nbuild:engine: the engine died by ${child.signal} in its self-check: this CPU advertises instructions it cannot run. Building again${described()}.`,
    );
    build();
    continue;
  }
  if (child.signal) {
    run('npx', ['--no', 'node-llama-cpp', 'source', 'clear', '--type', 'builds']);
    rmSync(stampPath, { force: true });
    console.error(
      `\nbuild:engine: ${verdict.reason}; the build is removed, and the app uses node-llama-cpp's prebuilt binary (contexts engine).`,
    );
  } else {
    console.error(`\nbuild:engine: ${verdict.reason}; see its output above.`);
  }
  process.exit(1);
}
mkdirSync(join(stampPath, '..'), { recursive: true });
writeFileSync(stampPath, JSON.stringify({ stamp: stampOf(dropped), dropped, flags: featureFlags(dropped), builtAt }));
console.log(
  `build:engine: self-check passed; ready in ${Math.round((Date.now() - started) / 1000)} s (gpu: ${gpu})${described()}.`,
);

/** Builds node-llama-cpp from the llama.cpp source it ships, patched, with the features in `dropped` left out. */
function build() {
  run('npx', ['--no', 'node-llama-cpp', 'source', 'download', '--skipBuild']);
  for (const name of readdirSync(LLAMA_CPP_PATCHES).sort()) {
    run('git', ['-C', LLAMA_CPP_SOURCE, 'apply', '--whitespace=nowarn', join(process.cwd(), LLAMA_CPP_PATCHES, name)]);
  }
  run(
    'npx',
    ['--no', 'node-llama-cpp', 'source', 'build', '--gpu', gpu, '--noUsageExample'],
    buildEnvironment(featureFlags(dropped)),
  );
  const buildType = loadedBuildType();
  if (buildType !== 'localBuild') {
    console.error(`build:engine: the build finished, but node-llama-cpp loads its ${buildType} binary instead.`);
    process.exit(1);
  }
  builtAt = new Date().toISOString();
}
