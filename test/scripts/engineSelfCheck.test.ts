import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { afterSelfCheck, buildEnvironment, FEATURE_STEPS, featureFlags } from '../../scripts/engineSelfCheck.mjs';

/** A child that ends as a binary running an instruction the CPU cannot does: killed by the signal. */
function fakeChild(code: string): { status: number | null; signal: NodeJS.Signals | null } {
  const { status, signal } = spawnSync(process.execPath, ['-e', code]);
  return { status, signal };
}

const x64 = { arch: 'x64', os: 'linux' };

describe('the engine build after its self-check', () => {
  it('builds again without AMX, then without AVX-512, while the check dies by SIGILL, and then gives up', () => {
    const child = fakeChild("process.kill(process.pid, 'SIGILL')");
    expect(child).toEqual({ status: null, signal: 'SIGILL' });
    expect(afterSelfCheck(child, [], x64)).toEqual({ next: 'rebuild', drop: 'AMX' });
    expect(featureFlags(['AMX'])).toEqual(['-mno-amx-tile', '-mno-amx-int8', '-mno-amx-bf16']);
    expect(afterSelfCheck(child, ['AMX'], x64)).toEqual({ next: 'rebuild', drop: 'AVX-512' });
    expect(featureFlags(['AMX', 'AVX-512'])).toEqual([
      '-mno-amx-tile',
      '-mno-amx-int8',
      '-mno-amx-bf16',
      '-mno-avx512f',
    ]);
    expect(afterSelfCheck(child, ['AMX', 'AVX-512'], x64)).toEqual({
      next: 'fail',
      reason: 'the engine died by SIGILL on this CPU, even without AMX and AVX-512',
    });
  });

  it('takes SIGSEGV, as node-llama-cpp dies where the OS refuses AMX, for the same cause', () => {
    expect(afterSelfCheck(fakeChild("process.kill(process.pid, 'SIGSEGV')"), [], x64)).toMatchObject({
      next: 'rebuild',
      drop: 'AMX',
    });
  });

  it('keeps the build when the check passes, and fails without a rebuild when it fails otherwise', () => {
    expect(afterSelfCheck(fakeChild(''), [], x64)).toEqual({ next: 'done' });
    expect(afterSelfCheck(fakeChild('process.exit(1)'), [], x64)).toEqual({
      next: 'fail',
      reason: 'the self-check failed (exit code 1)',
    });
    expect(afterSelfCheck(fakeChild("process.kill(process.pid, 'SIGKILL')"), [], x64)).toMatchObject({ next: 'fail' });
  });

  it('has no x86 flags to take on other CPUs', () => {
    const child = fakeChild("process.kill(process.pid, 'SIGILL')");
    expect(afterSelfCheck(child, [], { arch: 'arm64', os: 'linux' })).toEqual({
      next: 'fail',
      reason: 'the engine died by SIGILL on this CPU',
    });
  });

  it('hands the flags to the C and C++ compilers, after the compiler the user chose', () => {
    expect(buildEnvironment([], { PATH: '/bin' })).toEqual({ PATH: '/bin' });
    const flags = featureFlags(['AMX']);
    expect(buildEnvironment(flags, { PATH: '/bin' })).toEqual({
      PATH: '/bin',
      CC: 'cc -mno-amx-tile -mno-amx-int8 -mno-amx-bf16',
      CXX: 'c++ -mno-amx-tile -mno-amx-int8 -mno-amx-bf16',
    });
    expect(buildEnvironment(flags, { CXX: 'g++-12' }).CXX).toBe('g++-12 -mno-amx-tile -mno-amx-int8 -mno-amx-bf16');
  });

  // GGML_NATIVE puts -march=native on the compile line after these flags. GCC expands it into the CPU's own feature
  // flags ahead of every -m flag given, so a feature turned off before it stays off: shown here with AVX2, which this
  // machine has, where AMX would not show anything.
  it('turns a feature off with the compiler even where -march=native comes after the flag', ({ skip }) => {
    const macros = (...args: string[]): string =>
      spawnSync('c++', [...args, '-dM', '-E', '-x', 'c++', '/dev/null'], { encoding: 'utf8' }).stdout ?? '';
    const native = macros('-march=native');
    skip(!native.includes('__AVX2__'), 'needs a C++ compiler and a CPU with AVX2');
    expect(macros('-mno-avx2', '-march=native')).not.toContain('__AVX2__');
    const everyStep = FEATURE_STEPS.flatMap((step) => step.flags);
    const left = macros(...everyStep, '-march=sapphirerapids');
    expect(left).not.toMatch(/__AMX_(TILE|INT8|BF16)__|__AVX512F__/);
    expect(macros('-march=sapphirerapids')).toMatch(/__AMX_INT8__/);
  });
});
