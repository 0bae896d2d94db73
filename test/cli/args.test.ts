import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/args';

const REQUIRED = ['--model', 'm.gguf', '--input', 'in.txt', '--output', 'out.parquet'];

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('reads search: --model is optional, --top is 10 and the query prefix empty unless given', () => {
    expect(parseCommandLine(['search', '--embeddings', 'out.npy', '--query', 'a cat'])).toEqual({
      command: 'search',
      options: {
        embeddings: 'out.npy',
        query: 'a cat',
        model: undefined,
        modelsDir: undefined,
        gpu: undefined,
        threads: undefined,
        top: 10,
        queryPrefix: '',
        exact: false,
        json: false,
      },
    });
    const given = parseCommandLine([
      'search',
      '--embeddings=out.npy',
      '--query=a cat',
      '--model=m.gguf',
      '--top=3',
      '--query-prefix=query: ',
      '--exact',
      '--json',
    ]);
    expect(given).toMatchObject({
      options: { model: 'm.gguf', top: 3, queryPrefix: 'query: ', exact: true, json: true },
    });
    expect(usageError(['search', '--query', 'a cat']).message).toBe('search needs --embeddings');
    expect(usageError(['search', '--embeddings', 'out.npy', '--query', 'x', '--top', '0']).message).toBe(
      '--top must be a whole number of results from 1 to 10000, got "0"',
    );
    expect(usageError(['search', '--embeddings', 'out.npy', '--query', 'x', '--prefix', 'q: ']).message).toBe(
      '--prefix is not an option of search',
    );
  });

  it('reads index, neighbours and duplicates, which take no model', () => {
    expect(parseCommandLine(['index', '--embeddings', 'out.npy'])).toEqual({
      command: 'index',
      options: { embeddings: 'out.npy', json: false },
    });
    expect(parseCommandLine(['neighbours', '--embeddings', 'out.npy', '--line', '12'])).toEqual({
      command: 'neighbours',
      options: { embeddings: 'out.npy', line: 12, top: 10, exact: false, json: false },
    });
    expect(parseCommandLine(['duplicates', '--embeddings', 'out.npy'])).toEqual({
      command: 'duplicates',
      options: { embeddings: 'out.npy', threshold: 0.95, keep: undefined, groups: undefined, json: false },
    });
    expect(
      parseCommandLine(['duplicates', '--embeddings=o.jsonl', '--threshold=0.9', '--keep=k.txt', '--groups=g.jsonl']),
    ).toMatchObject({ options: { threshold: 0.9, keep: 'k.txt', groups: 'g.jsonl' } });
    expect(usageError(['neighbours', '--embeddings', 'out.npy']).message).toBe('neighbours needs --line');
    expect(usageError(['duplicates', '--embeddings', 'out.npy', '--threshold', '1.5']).message).toBe(
      '--threshold must be a number from 0 to 1, got "1.5"',
    );
    expect(usageError(['index', '--embeddings', 'out.npy', '--model', 'm.gguf']).message).toBe(
      '--model is not an option of index',
    );
  });

  it('reads every embed option into typed values', () => {
    const parsed = parseCommandLine([
      'embed',
      ...REQUIRED,
      '--format',
      'PARQUET',
      '--batch-size',
      '64',
      '--threads',
      '3',
      '--gpu',
      'cpu',
      '--normalize',
      'none',
      '--prefix',
      'query: ',
      '--on-long',
      'skip',
      '--field',
      'body.text',
      '--context-size',
      '512',
      '--overwrite',
      '--resume',
      '--stop-on-error',
      '--memory-limit',
      '2048',
      '--json',
    ]);
    expect(parsed).toEqual({
      command: 'embed',
      options: {
        model: 'm.gguf',
        input: 'in.txt',
        output: 'out.parquet',
        format: 'parquet',
        batchSize: 64,
        threads: 3,
        gpu: 'cpu',
        normalize: 'none',
        prefix: 'query: ',
        onLong: 'skip',
        field: 'body.text',
        contextSize: 512,
        overwrite: true,
        resume: true,
        stopOnError: true,
        memoryLimitMb: 2048,
        json: true,
      },
    });
  });

  it('reads the chunk sizes with --on-long chunk and mean', () => {
    for (const onLong of ['chunk', 'mean'] as const) {
      const chunking = ['--on-long', onLong, '--chunk-tokens', '256', '--chunk-overlap', '0'];
      expect(parseCommandLine(['embed', ...REQUIRED, ...chunking])).toMatchObject({
        command: 'embed',
        options: { onLong, chunkTokens: 256, chunkOverlap: 0 },
      });
    }
  });

  it('leaves out what was not given, so that the engine defaults apply', () => {
    expect(parseCommandLine(['embed', ...REQUIRED])).toEqual({
      command: 'embed',
      options: {
        model: 'm.gguf',
        input: 'in.txt',
        output: 'out.parquet',
        overwrite: false,
        resume: false,
        stopOnError: false,
        json: false,
        format: undefined,
        batchSize: undefined,
        threads: undefined,
        gpu: undefined,
        normalize: undefined,
        prefix: undefined,
        onLong: undefined,
        field: undefined,
        contextSize: undefined,
        memoryLimitMb: undefined,
      },
    });
  });

  it('takes --name=value, an empty --prefix, and values that start with a dash', () => {
    const parsed = parseCommandLine(['embed', '--model=m.gguf', '--input', '-', '--output=out.jsonl', '--prefix', '']);
    expect(parsed).toMatchObject({
      command: 'embed',
      options: { model: 'm.gguf', input: '-', output: 'out.jsonl', prefix: '' },
    });
  });

  it('reads info with its own options', () => {
    expect(parseCommandLine(['info', '--model', 'm.gguf', '--gpu', 'vulkan', '--threads', '8', '--json'])).toEqual({
      command: 'info',
      options: { model: 'm.gguf', gpu: 'vulkan', threads: 8, contextSize: undefined, json: true },
    });
  });

  it('answers --help, -h and --version whatever else is on the line', () => {
    expect(parseCommandLine(['embed', '--batch-size', 'abc', '--help'])).toEqual({ command: 'help' });
    expect(parseCommandLine(['-h'])).toEqual({ command: 'help' });
    expect(parseCommandLine(['info', '--version'])).toEqual({ command: 'version' });
  });

  it.each([
    [
      ['--batch-size', '0'],
      '--batch-size must be a whole number of texts from 1 to 65536, got "0"',
      'Try --batch-size 32.',
    ],
    [
      ['--batch-size', '65537'],
      '--batch-size must be a whole number of texts from 1 to 65536, got "65537"',
      'Try --batch-size 32.',
    ],
    [
      ['--batch-size', '1.5'],
      '--batch-size must be a whole number of texts from 1 to 65536, got "1.5"',
      'Try --batch-size 32.',
    ],
    [
      ['--batch-size', '1e3'],
      '--batch-size must be a whole number of texts from 1 to 65536, got "1e3"',
      'Try --batch-size 32.',
    ],
    [['--threads', '-1'], '--threads must be a whole number from 1 to 512, got "-1"', 'Try --threads 4.'],
    [
      ['--context-size', '7'],
      '--context-size must be a whole number of tokens from 8 to 1048576, got "7"',
      'Try --context-size 512.',
    ],
    [
      ['--memory-limit', '0'],
      '--memory-limit must be a whole number of MiB from 1 to 16777216, got "0"',
      'Try --memory-limit 4096.',
    ],
    [['--normalize', 'l1'], '--normalize must be one of l2, none, got "l1"', 'Try --normalize l2.'],
    [
      ['--on-long', 'wrap'],
      '--on-long must be one of truncate, skip, fail, chunk, mean, got "wrap"',
      'Try --on-long truncate.',
    ],
    [
      ['--on-long', 'skip', '--chunk-overlap', '5'],
      '--chunk-overlap sizes the chunks of --on-long chunk and mean, not of --on-long skip',
      'Pass --on-long chunk or --on-long mean with --chunk-overlap, or leave --chunk-overlap out.',
    ],
    [
      ['--chunk-tokens', '256'],
      '--chunk-tokens sizes the chunks of --on-long chunk and mean, not of --on-long truncate',
      'Pass --on-long chunk or --on-long mean with --chunk-tokens, or leave --chunk-tokens out.',
    ],
    [['--gpu', 'rocm'], '--gpu must be one of auto, cpu, cuda, vulkan, metal, got "rocm"', 'Try --gpu auto.'],
    [
      ['--format', 'jsonl'],
      '--format jsonl does not match --output out.parquet',
      'Leave out --format, or end the --output name in .jsonl.',
    ],
    [['--frobnicate'], 'unknown option --frobnicate', 'Run with --help to see the commands and options.'],
    [['--thread', '2'], 'unknown option --thread', 'Did you mean --threads?'],
    [['--batch_size', '2'], 'unknown option --batch_size', 'Did you mean --batch-size?'],
    [['-x'], 'unknown option -x', 'Run with --help to see the commands and options.'],
    [['--constructor'], 'unknown option --constructor', 'Run with --help to see the commands and options.'],
    [['--json=yes'], '--json takes no value, got "yes"', 'Write just --json.'],
    [['--field'], '--field needs a value', 'For example: --field text'],
    [['--field', ''], '--field needs a value', 'For example: --field text'],
    [
      ['extra'],
      'unexpected argument "extra"',
      'Options take the form --name value; quote a value that contains spaces.',
    ],
  ])('refuses embed %j', (extra, message, hint) => {
    const error = usageError(['embed', ...REQUIRED, ...extra]);
    expect([error.message, error.hint, error.code, error.showHelp]).toEqual([message, hint, 'BAD_OPTION', false]);
  });

  it.each([
    [['embed'], 'embed needs --model, --input and --output'],
    [['embed', '--model', 'm.gguf', '--output', 'o.npy'], 'embed needs --input'],
    [['embed', '--input', 'in.txt'], 'embed needs --model and --output'],
    [['info'], 'info needs --model'],
  ])('names every missing option of %j at once', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it('notices an option value swallowed by the option that lacks one', () => {
    const error = usageError(['embed', '--model', '--input', 'in.txt', '--output', 'o.npy']);
    expect([error.message, error.hint]).toEqual([
      '--model needs a value',
      'For example: --model bge-small-en-v1.5-q8_0.gguf',
    ]);
  });

  it('refuses an option of the other command', () => {
    expect(usageError(['info', '--model', 'm.gguf', '--batch-size', '8']).message).toBe(
      '--batch-size is not an option of info',
    );
  });

  it('asks for the help to be shown when there is no command or an unknown one', () => {
    expect(usageError([])).toMatchObject({ message: 'no command given', showHelp: true });
    expect(usageError(['--model', 'm.gguf'])).toMatchObject({ message: 'no command given', showHelp: true });
    expect(usageError(['run', ...REQUIRED])).toMatchObject({ message: 'unknown command "run"', showHelp: true });
  });
});
