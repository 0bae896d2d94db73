// The engine build's self-check, and what the build does when it fails. `node scripts/engineSelfCheck.mjs [--gpu X]`
// runs the check alone against the build that is there; `npm run build:engine` runs it after every build.
//
// A build with GGML_NATIVE compiles for every instruction set the CPU advertises. Some CPUs advertise ones that the OS
// or the virtual machine does not enable (AMX in many cloud VMs and under older kernels): llama.cpp then dies with
// SIGILL, or SIGSEGV, on the first decode of a quantized model, while F16 models run. So the check decodes with F16, Q8_0
// and Q4_0 models in a child process, and when that child is killed by such a signal, the build is made again without
// the next feature in FEATURE_STEPS (AMX first), until the check passes or no step is left.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Instruction sets to leave out, in this order, when the self-check dies by a signal; each step keeps the earlier ones out. */
export const FEATURE_STEPS = [
  { feature: 'AMX', flags: ['-mno-amx-tile', '-mno-amx-int8', '-mno-amx-bf16'] },
  // -mno-avx512f takes every AVX-512 extension with it (VNNI, BF16, VBMI ...).
  { feature: 'AVX-512', flags: ['-mno-avx512f'] },
];

/** Signals by which an instruction the CPU cannot run shows: SIGILL, or SIGSEGV when the OS refuses the state it needs. */
const CPU_FEATURE_SIGNALS = new Set(['SIGILL', 'SIGSEGV']);

/**
 * What the build does after a self-check, given how its child ended (`status` and `signal` as spawnSync gives them) and
 * the features the build already leaves out (names from FEATURE_STEPS, in order):
 * - `{ next: 'done' }` when the check passed;
 * - `{ next: 'rebuild', drop }` when the child died by a signal a CPU feature can cause and a step is left: `drop` is
 *   the feature to leave out now (featureFlags gives the compiler flags for all of those left out);
 * - `{ next: 'fail', reason }` otherwise.
 * The steps are x86 compiler flags (GCC and Clang), so elsewhere, and with MSVC on Windows, there is none to take.
 */
export function afterSelfCheck(child, dropped, platform = { arch: process.arch, os: process.platform }) {
  if (child.status === 0) return { next: 'done' };
  if (!child.signal || !CPU_FEATURE_SIGNALS.has(child.signal)) {
    return { next: 'fail', reason: `the self-check failed (exit code ${child.status ?? child.signal})` };
  }
  const step = platform.arch === 'x64' && platform.os !== 'win32' ? FEATURE_STEPS[dropped.length] : undefined;
  if (!step) {
    const without = dropped.length ? `, even without ${dropped.join(' and ')}` : '';
    return { next: 'fail', reason: `the engine died by ${child.signal} on this CPU${without}` };
  }
  return { next: 'rebuild', drop: step.feature };
}

/** The compiler flags that leave out these features (names from FEATURE_STEPS). */
export function featureFlags(dropped) {
  return FEATURE_STEPS.filter((step) => dropped.includes(step.feature)).flatMap((step) => step.flags);
}

/**
 * The build's environment with the flags added to the C and C++ compilers (CC and CXX, which CMake reads on a fresh
 * configure as the compiler and its arguments; node-llama-cpp configures every build afresh). CFLAGS would not reach
 * C++ files: cmake-js sets CMAKE_CXX_FLAGS itself; and a node-llama-cpp cmake option would change the folder of the
 * build, which the app then would not find. On the compile line the flags stand before the -march=native that
 * GGML_NATIVE adds as a target option, which GCC allows for: it expands -march=native into the CPU's feature flags
 * ahead of every -m flag given (`gcc -mno-avx2 -march=native -Q --help=target` shows AVX2 disabled; the engine build's
 * test checks it). Clang is not checked here.
 */
export function buildEnvironment(flags, env = process.env) {
  if (!flags.length) return env;
  const add = (compiler) => [compiler, ...flags].join(' ');
  return { ...env, CC: add(env.CC ?? 'cc'), CXX: add(env.CXX ?? 'c++') };
}

/** Runs the self-check in a child process; returns how it ended and what it printed. */
export function runSelfCheck(gpu) {
  const child = fileURLToPath(new URL('./engineSelfCheckChild.ts', import.meta.url));
  const { status, signal, stdout, stderr } = spawnSync(process.execPath, ['--import', 'tsx', child, gpu], {
    encoding: 'utf8',
  });
  return { status, signal, output: `${stdout ?? ''}${stderr ?? ''}`.trimEnd() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { gpu: { type: 'string', default: 'false' } } });
  const child = runSelfCheck(values.gpu);
  if (child.output) console.log(child.output);
  const verdict = afterSelfCheck(child, []);
  if (verdict.next === 'done') console.log(`engine self-check: passed (gpu: ${values.gpu}).`);
  else if (verdict.next === 'rebuild')
    console.log(
      `engine self-check: failed by ${child.signal}; npm run build:engine builds it again without ${verdict.drop}.`,
    );
  else console.log(`engine self-check: ${verdict.reason}.`);
  process.exitCode = verdict.next === 'done' ? 0 : 1;
}
