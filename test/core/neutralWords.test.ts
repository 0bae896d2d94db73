import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Layers every front end shares: what they say is worded by each front end, never as command-line flags. */
const SHARED_LAYERS = ['src/core', 'src/host', 'src/shared'];
/** Node's own command line, not the user's. */
const NODE_FLAGS = new Set(['--import']);

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The source without its comments, which may well talk about flags. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('the engine and the host', () => {
  it('name no command-line flag in their messages and remedies', async () => {
    const files = (await Promise.all(SHARED_LAYERS.map(sources))).flat();
    expect(files.length).toBeGreaterThan(50);
    const flags: string[] = [];
    for (const file of files) {
      for (const [flag] of code(await readFile(file, 'utf8')).matchAll(/--[a-z][a-z-]*/g)) {
        if (!NODE_FLAGS.has(flag)) flags.push(`${file.slice(ROOT.length + 1)}: ${flag}`);
      }
    }
    expect(flags).toEqual([]);
  });
});
