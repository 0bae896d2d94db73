import { describe, expect, it } from 'vitest';
import { HELP } from '../../src/cli/help';
import { expectError, runCli } from './runCli';

/** Files need not exist: option values are checked before any file is looked at. */
const REQUIRED = ['--model', 'model.gguf', '--input', 'texts.txt', '--output', 'out.jsonl'];

describe('command line usage', () => {
  it('prints the help on stdout with exit 0 for --help, also after a command', async () => {
    const result = await runCli(['embed', '--help']);
    expect(result).toEqual({ code: 0, stdout: `${HELP}\n`, stderr: '' });
  });

  it('prints the help on stderr with exit 2 when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `${HELP}\n\nerror: no command given\nhint: Start with a command: embed, info, search, index, neighbours, duplicates, export-map, verify, merge or models.\n`,
    );
  });

  it('prints the help and names an unknown command (exit 2)', async () => {
    const result = await runCli(['embedd', ...REQUIRED]);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(HELP)).toBe(true);
    expect(
      result.stderr.endsWith(
        'error: unknown command "embedd"\nhint: The commands are embed, info, search, index, neighbours, duplicates, export-map, verify, merge and models.\n',
      ),
    ).toBe(true);
  });

  it('prints the package version for --version', async () => {
    const result = await runCli(['--version']);
    expect(result).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('refuses a --batch-size that is not a whole number in range (exit 2)', async () => {
    expectError(
      await runCli(['embed', ...REQUIRED, '--batch-size', 'abc']),
      2,
      '--batch-size must be a whole number of texts from 1 to 65536, got "abc"',
      'Try --batch-size 32.',
    );
  });

  it('refuses an unknown --format (exit 2)', async () => {
    expectError(
      await runCli(['embed', ...REQUIRED, '--format', 'csv']),
      2,
      '--format must be one of jsonl, npy, parquet, lance, got "csv"',
      /--format/,
    );
  });

  it('refuses an unknown --gpu and answers --json errors with a JSON object too (exit 2)', async () => {
    const result = await runCli(['embed', ...REQUIRED, '--gpu', 'tpu', '--json']);
    expectError(result, 2, '--gpu must be one of auto, cpu, cuda, vulkan, metal, got "tpu"', 'Try --gpu auto.');
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'BAD_OPTION',
        message: '--gpu must be one of auto, cpu, cuda, vulkan, metal, got "tpu"',
        hint: 'Try --gpu auto.',
        exitCode: 2,
      },
    });
  });

  it('refuses an unknown option, suggesting the one meant (exit 2)', async () => {
    expectError(
      await runCli(['embed', ...REQUIRED, '--batchsize', '8']),
      2,
      'unknown option --batchsize',
      'Did you mean --batch-size?',
    );
  });

  it('refuses a missing --input (exit 2)', async () => {
    expectError(
      await runCli(['embed', '--model', 'model.gguf', '--output', 'out.jsonl']),
      2,
      'embed needs --input',
      /--input texts\.txt/,
    );
  });
});
