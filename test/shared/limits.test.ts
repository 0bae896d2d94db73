import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args';
import { checkShard } from '#core/input';
import { checkLimit } from '#core/limits';
import { parseNumberField, type NumberField } from '../../src/renderer/src/store/numberFields';
import { parseServeArgs } from '../../src/server/args';
import { requestSchemas } from '#shared/contract';
import { LIMITS, type Limit, type LimitName } from '#shared/limits';
import type { NumericOptionName } from '#shared/errors';
import { goodJob, goodLoad } from '../support/requests';

/** Whether one reader of the options takes `value` for the option. */
type Reader = (value: number) => boolean;

const accepts = (read: () => unknown): boolean => {
  try {
    read();
    return true;
  } catch {
    return false;
  }
};

const EMBED = ['embed', '--model', 'model.gguf', '--input', 'texts.txt', '--output', 'out.jsonl'];
const cli =
  (flag: string, write: (value: number) => string = String): Reader =>
  (value) =>
    accepts(() => parseCommandLine([...EMBED, `--${flag}=${write(value)}`]));

/** A chunk size: taken with --on-long chunk (and mean) only. */
const cliChunk =
  (flag: string): Reader =>
  (value) =>
    accepts(() => parseCommandLine([...EMBED, '--on-long=chunk', `--${flag}=${value}`]));

const loadRequest =
  (field: string): Reader =>
  (value) =>
    requestSchemas['model:load'].safeParse({ ...goodLoad, [field]: value }).success;
const jobRequest =
  (field: string): Reader =>
  (value) =>
    requestSchemas['job:start'].safeParse({ ...goodJob, [field]: value }).success;
const inspectRequest =
  (field: string): Reader =>
  (value) =>
    requestSchemas['input:inspect'].safeParse({ path: 'notes', format: null, field: null, [field]: value }).success;
const settingsRequest =
  (field: string, nested = false): Reader =>
  (value) =>
    requestSchemas['settings:set'].safeParse(nested ? { job: { [field]: value } } : { [field]: value }).success;
const form =
  (field: NumberField): Reader =>
  (value) =>
    parseNumberField(field, String(value)).ok;
const core =
  (name: NumericOptionName): Reader =>
  (value) =>
    accepts(() => checkLimit(name, value));

/** Every place each option is read: the command line, serve mode, the request schemas, the form and the engine. */
const READERS: Record<LimitName, Record<string, Reader>> = {
  batchSize: {
    cli: cli('batch-size'),
    'job:start': jobRequest('batchSize'),
    'settings:set': settingsRequest('batchSize', true),
    form: form('batchSize'),
    core: core('batchSize'),
  },
  threads: {
    cli: cli('threads'),
    'model:load': loadRequest('threads'),
    'settings:set': settingsRequest('threads'),
    form: form('threads'),
    core: core('threads'),
  },
  contextSize: {
    cli: cli('context-size'),
    'model:load': loadRequest('contextSize'),
    'settings:set': settingsRequest('contextSize'),
    form: form('contextSize'),
    core: core('contextSize'),
  },
  memoryLimitMb: {
    cli: cli('memory-limit'),
    'job:start': jobRequest('memoryLimitMb'),
    'settings:set': settingsRequest('memoryLimitMb', true),
    form: form('memoryLimitMb'),
    core: core('memoryLimitMb'),
  },
  dimensions: {
    cli: cli('dimensions'),
    'job:start': jobRequest('dimensions'),
    'settings:set': settingsRequest('dimensions', true),
    form: form('dimensions'),
    core: core('dimensions'),
  },
  chunkTokens: {
    cli: cliChunk('chunk-tokens'),
    'job:start': jobRequest('chunkTokens'),
    'input:inspect': inspectRequest('chunkTokens'),
    'settings:set': settingsRequest('chunkTokens', true),
    form: form('chunkTokens'),
    core: core('chunkTokens'),
  },
  chunkOverlap: {
    cli: cliChunk('chunk-overlap'),
    'job:start': jobRequest('chunkOverlap'),
    'input:inspect': inspectRequest('chunkOverlap'),
    'settings:set': settingsRequest('chunkOverlap', true),
    form: form('chunkOverlap'),
    core: core('chunkOverlap'),
  },
  port: {
    serve: (value) => accepts(() => parseServeArgs([`--port=${value}`])),
  },
  top: {
    cli: (value) =>
      accepts(() => parseCommandLine(['search', '--embeddings', 'out.npy', '--query', 'q', `--top=${value}`])),
    'explore:search': (value) =>
      requestSchemas['explore:search'].safeParse({ output: 'out.npy', query: 'q', top: value }).success,
    neighbours: (value) =>
      accepts(() => parseCommandLine(['neighbours', '--embeddings', 'out.npy', '--line', '1', `--top=${value}`])),
    'export-map': (value) =>
      accepts(() =>
        parseCommandLine(['export-map', '--embeddings', 'out.npy', '--output', 'map.parquet', `--neighbors=${value}`]),
      ),
  },
  shards: {
    cli: cli('shard', (value) => `0/${value}`),
    core: (value) => accepts(() => checkShard({ index: 0, count: value })),
  },
  threshold: {
    cli: (value) => accepts(() => parseCommandLine(['duplicates', '--embeddings', 'out.npy', `--threshold=${value}`])),
    'explore:duplicates': (value) =>
      requestSchemas['explore:duplicates'].safeParse({ output: 'out.npy', threshold: value }).success,
    'explore:exportDuplicates': (value) =>
      requestSchemas['explore:exportDuplicates'].safeParse({
        output: 'o.npy',
        threshold: value,
        what: 'keep',
        path: 'k',
      }).success,
  },
  line: {
    cli: (value) => accepts(() => parseCommandLine(['neighbours', '--embeddings', 'out.npy', `--line=${value}`])),
  },
  row: {
    'explore:rows': (value) => requestSchemas['explore:rows'].safeParse({ output: 'out.npy', places: [value] }).success,
    'explore:neighbours': (value) =>
      requestSchemas['explore:neighbours'].safeParse({ output: 'out.npy', place: value, top: 5 }).success,
  },
  chunk: {
    cli: (value) =>
      accepts(() => parseCommandLine(['neighbours', '--embeddings', 'out.npy', '--line', '1', `--chunk=${value}`])),
  },
  page: {
    cli: (value) =>
      accepts(() => parseCommandLine(['neighbours', '--embeddings', 'out.npy', '--line', '1', `--page=${value}`])),
  },
};

/** The bounds, just past them on either side, and a fraction in between. */
function probes(limit: Limit): number[] {
  const step = limit.integer ? 1 : 0.001;
  return [limit.min, limit.max, limit.min - step, limit.max + step, limit.min + 0.5];
}

describe('the table of limits', () => {
  it.each(Object.keys(LIMITS) as LimitName[])('%s: every reader takes exactly the values the table allows', (name) => {
    const limit = LIMITS[name];
    const expected = probes(limit).map((value) => ({
      value,
      accepted: value >= limit.min && value <= limit.max && (!limit.integer || Number.isInteger(value)),
    }));
    for (const [reader, read] of Object.entries(READERS[name])) {
      expect(
        probes(limit).map((value) => ({ value, accepted: read(value) })),
        reader,
      ).toEqual(expected);
    }
  });

  it('has the CLI, the form and the engine name the bounds when they refuse', () => {
    expect(() => parseCommandLine([...EMBED, '--threads', '1000'])).toThrow(
      '--threads must be a whole number from 1 to 512, got "1000"',
    );
    expect(parseNumberField('memoryLimitMb', '20000000')).toEqual({
      ok: false,
      message: 'Memory limit must be a whole number from 1 to 16,777,216.',
    });
    expect(() => checkLimit('contextSize', 4)).toThrow(
      'Context size must be a whole number of tokens from 8 to 1048576, not 4.',
    );
  });
});
