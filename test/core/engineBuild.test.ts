import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heldBuildLock, localBuildsDir, watchEngineBuild } from '#core/engineBuild';
import { tempDir } from '../support/files';

/** node-llama-cpp's own files, for the lock it takes while it builds and the folder it builds into. */
const nodeLlamaCpp = (file: string): string => pathToFileURL(join(dirname(localBuildsDir()), '..', 'dist', file)).href;
const { withLockfile } = (await import(nodeLlamaCpp('utils/withLockfile.js'))) as {
  withLockfile<T>(options: { resourcePath: string }, callback: () => Promise<T>): Promise<T>;
};
const { llamaLocalBuildBinsDirectory } = (await import(nodeLlamaCpp('config.js'))) as {
  llamaLocalBuildBinsDirectory: string;
};

describe('an engine build under way', () => {
  it('is looked for where node-llama-cpp builds and waits', () => {
    expect(localBuildsDir()).toBe(llamaLocalBuildBinsDirectory);
  });

  it('is told the moment its lock is taken, the way node-llama-cpp takes it while it builds, and not after', async () => {
    const dir = await tempDir();
    const build = join(dir, 'linux-x64');
    await mkdir(build);
    const messages: string[] = [];
    const stop = watchEngineBuild((message) => messages.push(message), { dir, intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(messages).toEqual([]);

    await withLockfile({ resourcePath: build }, async () => {
      await expect.poll(() => messages, { timeout: 2000 }).toHaveLength(1);
      expect(heldBuildLock(dir)).toBe(`${build}.lock`);
    });
    stop();
    expect(messages).toEqual([
      `Waiting for the engine build under way (npm run build:engine; it holds ${build}.lock) to finish: node-llama-cpp ` +
        'loads no binary before it is done, which can take a few minutes.',
    ]);
    expect(heldBuildLock(dir)).toBeNull();
  });

  it('is told at once when the lock is already held', async () => {
    const dir = await tempDir();
    const build = join(dir, 'linux-x64-cuda');
    await withLockfile({ resourcePath: build }, async () => {
      const messages: string[] = [];
      watchEngineBuild((message) => messages.push(message), { dir })();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain(`${build}.lock`);
    });
  });
});
