import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';

const LLAMA = join('node_modules', 'node-llama-cpp', 'llama');
const SOURCE = join(LLAMA, 'llama.cpp');
/** The project's own changes to llama.cpp, which `npm run build:engine` applies to the source above. */
const PATCHES = join('patches', 'llama.cpp');

/**
 * `as shipped`: the llama.cpp source node-llama-cpp ships, without the project's patches (they are reversed in a copy);
 * `patched`: the source as `npm run build:engine` leaves it, the project's patches applied, as the engine runs on.
 */
export type LlamaEmbeddingSource = 'as shipped' | 'patched';

/**
 * llama.cpp's own `llama-embedding`, built once into .cache/ (git-ignored) from the llama.cpp source node-llama-cpp
 * ships (cloned there by `npm run build:engine`), with the options node-llama-cpp's local build uses: Release, native
 * CPU code, OpenMP. Returns its path, or null (saying why) where it cannot be built.
 */
export function buildLlamaEmbedding(variant: LlamaEmbeddingSource): string | null {
  if (!existsSync(join(SOURCE, 'CMakeLists.txt'))) {
    console.log(`llama-embedding: no llama.cpp source in ${SOURCE} (npm run build:engine puts it there); left out.`);
    return null;
  }
  const { release, patches, build, executable } = llamaEmbeddingBuild(variant);
  if (existsSync(executable)) return executable;

  const source = variant === 'as shipped' ? sourceAsShipped(release, patches) : SOURCE;
  if (source === null) return null;
  console.log(`Building llama-embedding (llama.cpp ${release}, ${variant}) into ${build}: a few minutes, once.`);
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

/** Where buildLlamaEmbedding builds this variant, and its executable there. */
function llamaEmbeddingBuild(variant: LlamaEmbeddingSource): {
  release: string;
  patches: string[];
  build: string;
  executable: string;
} {
  const { release } = JSON.parse(readFileSync(join(LLAMA, 'binariesGithubRelease.json'), 'utf8')) as {
    release: string;
  };
  const patches = readdirSync(PATCHES)
    .sort()
    .map((name) => resolve(PATCHES, name));
  const build =
    variant === 'as shipped'
      ? join('.cache', `llama-embedding-${release}`)
      : join('.cache', `llama-embedding-${release}-patched-${digest(patches)}`);
  return { release, patches, build, executable: join(build, 'bin', 'llama-embedding') };
}

/** The executable buildLlamaEmbedding made, or null where it has not been built. */
export function builtLlamaEmbedding(variant: LlamaEmbeddingSource): string | null {
  const { executable } = llamaEmbeddingBuild(variant);
  return existsSync(executable) ? executable : null;
}

/** A copy of the source with the project's patches reversed, made once. */
function sourceAsShipped(release: string, patches: readonly string[]): string | null {
  const copy = join('.cache', `llama.cpp-${release}-as-shipped`);
  if (existsSync(join(copy, 'CMakeLists.txt'))) return copy;
  const staging = `${copy}.partial`;
  rmSync(staging, { recursive: true, force: true });
  // With its .git, so that git apply takes the copy's paths as its own, not the project's.
  cpSync(SOURCE, staging, { recursive: true });
  for (const patch of patches) {
    const { status, stderr } = spawnSync('git', ['apply', '--reverse', patch], { cwd: staging, encoding: 'utf8' });
    if (status !== 0) {
      console.log(
        `llama-embedding: could not take ${basename(patch)} back out of the llama.cpp source; left out.\n${stderr}`,
      );
      return null;
    }
  }
  renameSync(staging, copy);
  return copy;
}

function digest(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}
