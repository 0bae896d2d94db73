import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real command line in a child process, as the `embedding-studio` command does: its launcher and bundle
 * (vitest's global setup builds it). stdout and stderr are pipes, not a terminal. `env` adds to the test's environment.
 */
export function runCli(
  args: readonly string[],
  onStart?: (child: ChildProcess) => void,
  env?: NodeJS.ProcessEnv,
): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/embedding-studio.js', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  onStart?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `embed --model <model> --input <input> --output <output>`, then `options`. */
export function embedArgs(model: string, input: string, output: string, ...options: string[]): string[] {
  return ['embed', '--model', model, '--input', input, '--output', output, ...options];
}

/**
 * Expects the CLI's error shape: the exit code, and on stderr exactly two lines, `error: <message>` and
 * `hint: <hint>`. A string must be the whole message or hint, a pattern match it anywhere.
 */
export function expectError(
  result: CliResult,
  exitCode: number,
  message: string | RegExp,
  hint: string | RegExp = /\S/,
): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: \S/);
  expect(lines[1]).toMatch(/^hint: \S/);
  if (typeof message === 'string') expect(lines[0]).toBe(`error: ${message}`);
  else expect(lines[0]).toMatch(message);
  if (typeof hint === 'string') expect(lines[1]).toBe(`hint: ${hint}`);
  else expect(lines[1]).toMatch(hint);
  expect(result.code, result.stderr).toBe(exitCode);
}
