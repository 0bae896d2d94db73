import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const LLAMA = join('node_modules', 'node-llama-cpp', 'llama');

/**
 * llama.cpp's own `llama-embedding`, built once from the llama.cpp source node-llama-cpp ships (cloned there by
 * `npm run build:engine`) into .cache/ (git-ignored), with the options node-llama-cpp's local build uses: Release,
 * native CPU code, OpenMP. Returns its path, or null (saying why) where it cannot be built.
 */
export function buildLlamaEmbedding(): string | null {
  const source = join(LLAMA, 'llama.cpp');
  if (!existsSync(join(source, 'CMakeLists.txt'))) {
    console.log(`llama-embedding: no llama.cpp source in ${source} (npm run build:engine puts it there); left out.`);
    return null;
  }
  const { release } = JSON.parse(readFileSync(join(LLAMA, 'binariesGithubRelease.json'), 'utf8')) as { release: string };
  const build = join('.cache', `llama-embedding-${release}`);
  const executable = join(build, 'bin', 'llama-embedding');
  if (existsSync(executable)) return executable;

  console.log(`Building llama-embedding (llama.cpp ${release}) into ${build}: a few minutes, once.`);
  const ninja = spawnSync('ninja', ['--version']).status === 0;
  const options = [
    'CMAKE_BUILD_TYPE=Release',
    'GGML_NATIVE=ON',
    'GGML_CCACHE=OFF',
    'BUILD_SHARED_LIBS=OFF',
    'LLAMA_CURL=OFF',
    'LLAMA_OPENSSL=OFF',
    'LLAMA_BUILD_TESTS=OFF',
    'LLAMA_BUILD_TOOLS=OFF',
    'LLAMA_BUILD_SERVER=OFF',
  ];
  const steps = [
    ['-S', source, '-B', build, ...(ninja ? ['-G', 'Ninja'] : []), ...options.map((option) => `-D${option}`)],
    ['--build', build, '--target', 'llama-embedding', '--parallel', String(availableParallelism())],
  ];
  for (const args of steps) {
    const { status, stderr } = spawnSync('cmake', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (status !== 0) {
      console.log(`llama-embedding: cmake ${args.join(' ')} failed; left out.\n${stderr.slice(-1500)}`);
      return null;
    }
  }
  return executable;
}
