import { execFileSync } from 'node:child_process';

/**
 * vitest's global setup: the CLI tests run the command line as users do, from its bundle (out/cli/), so it is rebuilt
 * first wherever a source file changed since it was last built.
 */
export default function buildCli(): void {
  execFileSync(process.execPath, ['scripts/buildCli.mjs', '--if-stale'], { stdio: 'inherit' });
}
