import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HELP } from '../../src/cli/help';
import { runCli } from './runCli';

/** The first ```text block after the line "## Command line". */
function commandLineSection(readme: string): string | undefined {
  const lines = readme.split(/\r?\n/);
  const heading = lines.indexOf('## Command line');
  if (heading === -1) return undefined;
  const start = lines.indexOf('```text', heading);
  const end = start === -1 ? -1 : lines.indexOf('```', start + 1);
  return end === -1 ? undefined : lines.slice(start + 1, end).join('\n');
}

describe('help text', () => {
  it('is what --help prints', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(HELP.trim());
  });

  it('is shown verbatim in README.md under "## Command line"', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8').catch(() => '');
    expect(
      commandLineSection(readme),
      'README.md needs a ```text block with the help text after "## Command line"',
    ).toBe(HELP.trim());
  });
});
