import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** The `key: value` lines of one top-level block of electron-builder.yml (packaging cannot run here). */
async function builderBlock(name: string): Promise<Record<string, string>> {
  const lines = (await readFile('electron-builder.yml', 'utf8')).split('\n');
  const start = lines.indexOf(`${name}:`);
  expect(start, `electron-builder.yml has no top-level ${name}:`).toBeGreaterThanOrEqual(0);
  const block: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('#') || line.trim() === '') continue;
    const entry = /^ {2}(\w+): *(\S+)$/.exec(line);
    if (!entry) break;
    block[entry[1] ?? ''] = entry[2] ?? '';
  }
  return block;
}

describe('the packaged app', () => {
  it('flips the Electron fuses that let the binary run as Node, take NODE_OPTIONS or --inspect, or load another app', async () => {
    expect(await builderBlock('electronFuses')).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      onlyLoadAppFromAsar: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
    });
  });
});
