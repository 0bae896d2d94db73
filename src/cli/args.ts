import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EmbeddingError } from '#core/errors';
import {
  chunksTexts,
  GPU_CHOICES,
  LONG_TEXT_POLICIES,
  NORMALIZATIONS,
  OUTPUT_FORMATS,
  PRECISIONS,
  type GpuChoice,
  type LongTextPolicy,
  type Normalization,
  type OutputFormat,
  type Precision,
} from '#shared/engine';
import { EXPLORE_DEFAULTS, LIMITS, limitRange, withinLimit, type Limit } from '#shared/limits';
import { DEFAULT_MAP_NEIGHBORS } from '#shared/outputMap';
import { shardProblem, type Shard } from '#shared/shard';
import { wordList } from './format';
import { parseModelsCommand, type ModelsCommandOptions } from './modelsArgs';

export type CommandName =
  'embed' | 'info' | 'search' | 'index' | 'neighbours' | 'duplicates' | 'export-map' | 'verify' | 'merge' | 'models';

const COMMANDS: readonly CommandName[] = [
  'embed',
  'info',
  'search',
  'index',
  'neighbours',
  'duplicates',
  'export-map',
  'verify',
  'merge',
  'models',
];

export interface ModelCommandOptions {
  /** A .gguf file, a catalog model's name, or an hf: URI or URL to download first. */
  model: string;
  modelsDir?: string;
  gpu?: GpuChoice;
  threads?: number;
  contextSize?: number;
  json: boolean;
}

export interface EmbedCommandOptions extends ModelCommandOptions {
  input: string;
  output: string;
  format?: OutputFormat;
  field?: string;
  prefix?: string;
  normalize?: Normalization;
  dimensions?: number;
  precision?: Precision;
  onLong?: LongTextPolicy;
  chunkTokens?: number;
  chunkOverlap?: number;
  batchSize?: number;
  memoryLimitMb?: number;
  stopOnError: boolean;
  overwrite: boolean;
  resume: boolean;
  shard?: Shard;
  /** A folder --input: which of its files are documents to read. */
  glob?: string;
  /** An earlier output whose rows are reused for the texts it has. */
  reuse?: string;
}

export interface SearchCommandOptions extends Omit<ModelCommandOptions, 'model' | 'contextSize'> {
  embeddings: string;
  query: string;
  /** Default: the model the run recorded. */
  model?: string;
  top: number;
  queryPrefix: string;
  /** Read every row even where a fresh index is there. */
  exact: boolean;
}

export interface IndexCommandOptions {
  embeddings: string;
  json: boolean;
}

export interface NeighboursCommandOptions extends IndexCommandOptions {
  line: number;
  /** In an output of chunks: which chunk of the line (default: the first, 0). */
  chunk?: number;
  /** In a folder's output: which page (or record) of the document, 0 for one without pages (the default). */
  page?: number;
  top: number;
  exact: boolean;
}

export interface DuplicatesCommandOptions extends IndexCommandOptions {
  threshold: number;
  /** Where to write the lines to keep, one a line, and the groups as JSON Lines. */
  keep?: string;
  groups?: string;
}

export interface ExportMapCommandOptions extends IndexCommandOptions {
  /** The Parquet file to write. */
  output: string;
  /** Nearest rows listed for each row. */
  neighbors: number;
  overwrite: boolean;
}

export interface VerifyCommandOptions {
  /** The outputs of the shards of one input. */
  outputs: string[];
  /** The input, to count its lines; default: the outputs tell them. */
  input?: string;
  json: boolean;
}

export interface MergeCommandOptions extends VerifyCommandOptions {
  output: string;
  format?: OutputFormat;
  overwrite: boolean;
}

export type CommandLine =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'embed'; options: EmbedCommandOptions }
  | { command: 'info'; options: ModelCommandOptions }
  | { command: 'search'; options: SearchCommandOptions }
  | { command: 'verify'; options: VerifyCommandOptions }
  | { command: 'merge'; options: MergeCommandOptions }
  | { command: 'index'; options: IndexCommandOptions }
  | { command: 'neighbours'; options: NeighboursCommandOptions }
  | { command: 'duplicates'; options: DuplicatesCommandOptions }
  | { command: 'export-map'; options: ExportMapCommandOptions }
  | { command: 'models'; options: ModelsCommandOptions };

/**
 * A command line that cannot be run, with its hint already in the command line's words; `showHelp` when the user seems
 * not to know the commands at all.
 */
export class UsageError extends EmbeddingError {
  constructor(
    message: string,
    readonly hint: string,
    readonly showHelp = false,
  ) {
    super('BAD_OPTION', message);
  }
}

interface OptionSpec {
  type: 'string' | 'boolean';
  /** The commands that take it; none for the options that stand alone (--help, --version). */
  commands: readonly CommandName[];
  short?: string;
  /** A sample value for hints. */
  example?: string;
  /** Whether `--name ""` means something (an empty --prefix does: no prefix). */
  allowEmpty?: boolean;
}

const BOTH: readonly CommandName[] = ['embed', 'info'];
const EMBED: readonly CommandName[] = ['embed'];
const SEARCH: readonly CommandName[] = ['search'];
const MODEL: readonly CommandName[] = ['embed', 'info', 'search'];
const EXPLORE: readonly CommandName[] = ['search', 'index', 'neighbours', 'duplicates', 'export-map'];
const NEAREST: readonly CommandName[] = ['search', 'neighbours'];
const DUPLICATES: readonly CommandName[] = ['duplicates'];
const WITH_MODELS: readonly CommandName[] = ['embed', 'info', 'search', 'models'];

const OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', commands: [], short: 'h' },
  version: { type: 'boolean', commands: [] },
  model: { type: 'string', commands: MODEL, example: 'bge-small-en-v1.5-q8_0.gguf' },
  input: { type: 'string', commands: ['embed', 'verify', 'merge'], example: 'texts.txt' },
  output: { type: 'string', commands: [...EMBED, 'export-map', 'merge'], example: 'embeddings.parquet' },
  format: { type: 'string', commands: [...EMBED, 'merge'], example: 'parquet' },
  field: { type: 'string', commands: EMBED, example: 'text' },
  prefix: { type: 'string', commands: EMBED, example: '"search_document: "', allowEmpty: true },
  normalize: { type: 'string', commands: EMBED, example: 'l2' },
  dimensions: { type: 'string', commands: EMBED, example: String(LIMITS.dimensions.example) },
  precision: { type: 'string', commands: EMBED, example: 'int8' },
  'on-long': { type: 'string', commands: EMBED, example: 'truncate' },
  'chunk-tokens': { type: 'string', commands: EMBED, example: String(LIMITS.chunkTokens.example) },
  'chunk-overlap': { type: 'string', commands: EMBED, example: String(LIMITS.chunkOverlap.example) },
  'context-size': { type: 'string', commands: BOTH, example: String(LIMITS.contextSize.example) },
  'batch-size': { type: 'string', commands: EMBED, example: String(LIMITS.batchSize.example) },
  threads: { type: 'string', commands: MODEL, example: String(LIMITS.threads.example) },
  gpu: { type: 'string', commands: MODEL, example: 'auto' },
  'memory-limit': { type: 'string', commands: EMBED, example: String(LIMITS.memoryLimitMb.example) },
  'stop-on-error': { type: 'boolean', commands: EMBED },
  overwrite: { type: 'boolean', commands: [...EMBED, 'export-map', 'merge'] },
  resume: { type: 'boolean', commands: EMBED },
  shard: { type: 'string', commands: EMBED, example: '0/4' },
  glob: { type: 'string', commands: EMBED, example: "'**/*.md'" },
  reuse: { type: 'string', commands: EMBED, example: 'last-week.parquet' },
  embeddings: { type: 'string', commands: EXPLORE, example: 'embeddings.parquet' },
  query: { type: 'string', commands: SEARCH, example: '"how do I reset my password"' },
  top: { type: 'string', commands: NEAREST, example: String(LIMITS.top.example) },
  'query-prefix': { type: 'string', commands: SEARCH, example: '"query: "', allowEmpty: true },
  exact: { type: 'boolean', commands: NEAREST },
  line: { type: 'string', commands: ['neighbours'], example: String(LIMITS.line.example) },
  chunk: { type: 'string', commands: ['neighbours'], example: '2' },
  page: { type: 'string', commands: ['neighbours'], example: '3' },
  threshold: { type: 'string', commands: DUPLICATES, example: String(LIMITS.threshold.example) },
  keep: { type: 'string', commands: DUPLICATES, example: 'keep.txt' },
  groups: { type: 'string', commands: DUPLICATES, example: 'groups.jsonl' },
  neighbors: { type: 'string', commands: ['export-map'], example: String(DEFAULT_MAP_NEIGHBORS) },
  json: { type: 'boolean', commands: COMMANDS },
  'models-dir': { type: 'string', commands: WITH_MODELS, example: '~/models' },
};

function optionSpec(name: string): OptionSpec | undefined {
  return Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
}

const REQUIRED: Record<CommandName, readonly string[]> = {
  embed: ['model', 'input', 'output'],
  info: ['model'],
  search: ['embeddings', 'query'],
  verify: [],
  merge: ['output'],
  index: ['embeddings'],
  neighbours: ['embeddings', 'line'],
  duplicates: ['embeddings'],
  'export-map': ['embeddings', 'output'],
  models: [],
};

const EXAMPLES: Record<CommandName, string> = {
  embed: 'embed --model model.gguf --input texts.txt --output embeddings.parquet',
  info: 'info --model model.gguf',
  search: 'search --embeddings embeddings.parquet --query "how do I reset my password"',
  verify: 'verify part-0.parquet part-1.parquet part-2.parquet part-3.parquet',
  merge: 'merge --output all.parquet part-0.parquet part-1.parquet part-2.parquet part-3.parquet',
  index: 'index --embeddings embeddings.parquet',
  neighbours: 'neighbours --embeddings embeddings.parquet --line 12',
  duplicates: 'duplicates --embeddings embeddings.parquet --threshold 0.95',
  'export-map': 'export-map --embeddings embeddings.parquet --output map.parquet',
  models: 'models list',
};

const HELP_HINT = 'Run with --help to see the commands and options.';

/** Reads the command line into a command and checked option values; throws UsageError for anything it cannot run. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(OPTIONS).map(([name, { type, short }]) => [
        name,
        short === undefined ? { type } : { type, short },
      ]),
    ),
    // Strict mode would stop at the first problem with a message about parseArgs; these checks name the option.
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const names = new Set(tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : [])));
  if (names.has('help')) return { command: 'help' };
  if (names.has('version')) return { command: 'version' };

  const given = tokens.flatMap((token) => {
    if (token.kind !== 'option') return [];
    const spec = optionSpec(token.name);
    if (!spec) throw unknownOption(token.rawName);
    return [{ ...token, spec }];
  });
  const [first, ...rest] = tokens.flatMap((token) => (token.kind === 'positional' ? [token.value] : []));
  if (first === undefined)
    throw new UsageError('no command given', `Start with a command: ${wordList(COMMANDS, 'or')}.`, true);
  const command = COMMANDS.find((name) => name === first);
  if (!command)
    throw new UsageError(`unknown command "${first}"`, `The commands are ${wordList(COMMANDS, 'and')}.`, true);

  const values = new Map<string, string | true>();
  for (const { name, rawName, value, inlineValue, spec } of given) {
    if (!spec.commands.includes(command)) {
      throw new UsageError(`${rawName} is not an option of ${command}`, `See the options for ${command} in --help.`);
    }
    values.set(name, spec.type === 'boolean' ? flag(rawName, value) : optionValue(rawName, spec, value, inlineValue));
  }
  const option = new OptionReader(values);
  if (command === 'models') {
    return {
      command,
      options: parseModelsCommand(rest, { modelsDir: option.string('models-dir'), json: option.flag('json') }),
    };
  }
  if (command === 'verify') {
    if (!rest.length) throw new UsageError('verify needs the outputs of the shards', `For example: ${EXAMPLES.verify}`);
    return { command, options: { outputs: rest, input: option.string('input'), json: option.flag('json') } };
  }
  if (command === 'merge') {
    if (!rest.length) throw new UsageError('merge needs the outputs of the shards', `For example: ${EXAMPLES.merge}`);
    return {
      command,
      options: {
        outputs: rest,
        output: option.required(command, 'output'),
        format: option.choice('format', OUTPUT_FORMATS),
        input: option.string('input'),
        overwrite: option.flag('overwrite'),
        json: option.flag('json'),
      },
    };
  }
  const [extra] = rest;
  if (extra !== undefined) throw unexpectedArgument(extra);

  if (command === 'search') {
    return {
      command,
      options: {
        embeddings: option.required(command, 'embeddings'),
        query: option.required(command, 'query'),
        model: option.string('model'),
        modelsDir: option.string('models-dir'),
        gpu: option.choice('gpu', GPU_CHOICES),
        threads: option.number('threads', LIMITS.threads),
        top: option.number('top', LIMITS.top) ?? EXPLORE_DEFAULTS.top,
        queryPrefix: option.string('query-prefix') ?? '',
        exact: option.flag('exact'),
        json: option.flag('json'),
      },
    };
  }
  if (command === 'index')
    return { command, options: { embeddings: option.required(command, 'embeddings'), json: option.flag('json') } };
  if (command === 'neighbours') {
    return {
      command,
      options: {
        embeddings: option.required(command, 'embeddings'),
        line: option.number('line', LIMITS.line) ?? 0,
        chunk: option.number('chunk', LIMITS.chunk),
        page: option.number('page', LIMITS.page),
        top: option.number('top', LIMITS.top) ?? EXPLORE_DEFAULTS.top,
        exact: option.flag('exact'),
        json: option.flag('json'),
      },
    };
  }
  if (command === 'duplicates') {
    return {
      command,
      options: {
        embeddings: option.required(command, 'embeddings'),
        threshold: option.number('threshold', LIMITS.threshold) ?? EXPLORE_DEFAULTS.threshold,
        keep: option.string('keep'),
        groups: option.string('groups'),
        json: option.flag('json'),
      },
    };
  }
  if (command === 'export-map') {
    return {
      command,
      options: {
        embeddings: option.required(command, 'embeddings'),
        output: option.required(command, 'output'),
        neighbors: option.number('neighbors', LIMITS.top) ?? DEFAULT_MAP_NEIGHBORS,
        overwrite: option.flag('overwrite'),
        json: option.flag('json'),
      },
    };
  }
  const model = option.required(command, 'model');
  const modelOptions: ModelCommandOptions = {
    model,
    modelsDir: option.string('models-dir'),
    gpu: option.choice('gpu', GPU_CHOICES),
    threads: option.number('threads', LIMITS.threads),
    contextSize: option.number('context-size', LIMITS.contextSize),
    json: option.flag('json'),
  };
  if (command === 'info') return { command, options: modelOptions };

  const options: EmbedCommandOptions = {
    ...modelOptions,
    input: option.required(command, 'input'),
    output: option.required(command, 'output'),
    format: option.choice('format', OUTPUT_FORMATS),
    field: option.string('field'),
    prefix: option.string('prefix'),
    normalize: option.choice('normalize', NORMALIZATIONS),
    dimensions: option.number('dimensions', LIMITS.dimensions),
    precision: option.choice('precision', PRECISIONS),
    onLong: option.choice('on-long', LONG_TEXT_POLICIES),
    chunkTokens: option.number('chunk-tokens', LIMITS.chunkTokens),
    chunkOverlap: option.number('chunk-overlap', LIMITS.chunkOverlap),
    batchSize: option.number('batch-size', LIMITS.batchSize),
    memoryLimitMb: option.number('memory-limit', LIMITS.memoryLimitMb),
    stopOnError: option.flag('stop-on-error'),
    overwrite: option.flag('overwrite'),
    resume: option.flag('resume'),
    shard: option.shard('shard'),
    glob: option.string('glob'),
    reuse: option.string('reuse'),
  };
  checkOutput(options);
  checkChunking(options);
  return { command, options };
}

/** Chunks are made only by the policies chunk and mean: their sizes given with another policy would do nothing. */
function checkChunking({ input, onLong, chunkTokens, chunkOverlap }: EmbedCommandOptions): void {
  if ((chunkTokens === undefined && chunkOverlap === undefined) || (onLong && chunksTexts(onLong))) return;
  // A folder's documents are cut into chunks whatever --on-long says (and it may say nothing).
  if (onLong === undefined && isFolder(input)) return;
  const given = chunkTokens === undefined ? '--chunk-overlap' : '--chunk-tokens';
  throw new UsageError(
    `${given} sizes the chunks of --on-long chunk and mean, not of --on-long ${onLong ?? 'truncate'}`,
    `Pass --on-long chunk or --on-long mean with ${given}, or leave ${given} out.`,
  );
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function flag(rawName: string, value: string | undefined): true {
  if (value !== undefined) throw new UsageError(`${rawName} takes no value, got "${value}"`, `Write just ${rawName}.`);
  return true;
}

function optionValue(
  rawName: string,
  spec: OptionSpec,
  value: string | undefined,
  inline: boolean | undefined,
): string {
  // parseArgs takes whatever follows as the value, so `--model --input x` would read a model called "--input".
  const swallowedOption = !inline && value !== undefined && /^--[a-z]/i.test(value);
  if (value === undefined || swallowedOption || (value === '' && !spec.allowEmpty)) {
    throw new UsageError(`${rawName} needs a value`, `For example: ${rawName} ${spec.example ?? 'VALUE'}`);
  }
  return value;
}

class OptionReader {
  constructor(private readonly values: ReadonlyMap<string, string | true>) {}

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  /** Fails on the first call if any option the command needs is missing, naming all of them. */
  required(command: CommandName, name: string): string {
    const value = this.string(name);
    const missing = REQUIRED[command].filter((required) => this.string(required) === undefined);
    if (value === undefined || missing.length) {
      const flags = missing.map((required) => `--${required}`);
      throw new UsageError(`${command} needs ${wordList(flags, 'and')}`, `For example: ${EXAMPLES[command]}`);
    }
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = choices.find((choice) => choice === raw.toLowerCase());
    if (value === undefined) {
      const example = optionSpec(name)?.example ?? choices[0];
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`, `Try --${name} ${example}.`);
    }
    return value;
  }

  /** `K/N`: shard K of N, numbered from 0. */
  shard(name: string): Shard | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const [, index, count] = /^(\d+)\/(\d+)$/.exec(raw.trim()) ?? [];
    const shard = { index: Number(index), count: Number(count) };
    const problem = index === undefined ? 'it is written K/N, K from 0 to N - 1' : shardProblem(shard);
    if (problem !== null)
      throw new UsageError(
        `--${name} must name one of N shards of the input: ${problem}, got "${raw}"`,
        'Try --shard 0/4 for the first of 4 shards.',
      );
    return shard;
  }

  number(name: string, limit: Limit): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = (limit.integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(raw) ? Number(raw) : NaN;
    if (!withinLimit(limit, value)) {
      throw new UsageError(`--${name} must be ${limitRange(limit)}, got "${raw}"`, `Try --${name} ${limit.example}.`);
    }
    return value;
  }
}

/** Catches the output mistakes that the engine would only notice by writing the wrong thing. */
function checkOutput({ output, format }: EmbedCommandOptions): void {
  const fromExtension = OUTPUT_FORMATS.find((known) => output.toLowerCase().endsWith(`.${known}`));
  if (format && fromExtension && format !== fromExtension) {
    throw new UsageError(
      `--format ${format} does not match --output ${output}`,
      `Leave out --format, or end the --output name in .${format}.`,
    );
  }
}

export function unexpectedArgument(value: string): UsageError {
  return new UsageError(
    `unexpected argument "${value}"`,
    'Options take the form --name value; quote a value that contains spaces.',
  );
}

function unknownOption(rawName: string): UsageError {
  const name = rawName.replace(/^-+/, '').toLowerCase();
  const close = Object.keys(OPTIONS).find(
    (known) => editDistance(name, known) <= Math.min(2, Math.floor(known.length / 3)),
  );
  return new UsageError(`unknown option ${rawName}`, close ? `Did you mean --${close}?` : HELP_HINT);
}

/** Levenshtein distance, for suggesting the option a typo was meant to be. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
