import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/files';
import { writeGguf } from '../support/gguf';
import { bertModelParts, testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
const input = join(dir, 'texts.txt');
const output = join(dir, 'out.jsonl');
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
  await writeFile(input, 'hello world\nthe quick brown fox\n');
});

function embed(
  options: { model?: string; input?: string; output?: string },
  ...extra: string[]
): ReturnType<typeof runCli> {
  return runCli([
    'embed',
    '--model',
    options.model ?? model,
    '--input',
    options.input ?? input,
    '--output',
    options.output ?? output,
    ...extra,
  ]);
}

describe('embed with a bad model file (exit 3)', () => {
  it('refuses a missing model, naming it; with --json stdout gets the error object', async () => {
    const missing = join(dir, 'missing.gguf');
    const result = await embed({ model: missing }, '--json');
    expectError(result, 3, `Model file ${missing} does not exist.`, /--model/);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'FILE_NOT_FOUND',
        message: expect.stringContaining(missing),
        hint: expect.stringContaining('--model'),
        remedy: { kind: 'checkPath', role: 'model' },
        exitCode: 3,
      },
    });
  });

  it('refuses a directory given as the model', async () => {
    const folder = join(dir, 'folder.gguf');
    await mkdir(folder);
    expectError(await embed({ model: folder }), 3, `Model file ${folder} is a directory, not a file.`);
  });

  it('refuses a text file given as the model', async () => {
    const text = join(dir, 'notes.gguf');
    await writeFile(text, 'these are my notes, not a model\n');
    expectError(await embed({ model: text }), 3, `${text} is not a GGUF model file.`, /\.gguf/);
  });

  it('refuses an empty model file, saying it is empty', async () => {
    const empty = join(dir, 'empty.gguf');
    await writeFile(empty, '');
    expectError(await embed({ model: empty }), 3, `${empty} is not a GGUF model file (it is empty).`);
  });

  it('says a model that crashes llama.cpp is damaged or unsupported, naming the binaries that died, instead of dying', async () => {
    // A tensor stored as F16 where llama.cpp expects F32: ggml aborts the process (SIGABRT) at the first decode.
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'aborts' });
    const aborts = join(dir, 'aborts.gguf');
    await writeGguf(
      aborts,
      metadata,
      tensors.map((t) => (t.name === 'blk.0.attn_q.bias' ? { ...t, type: 'F16' } : t)),
    );
    const crashOutput = join(dir, 'crash.jsonl');
    const result = await embed({ model: aborts, output: crashOutput });
    expectError(
      result,
      3,
      new RegExp(
        `^error: This model file is damaged or unsupported: llama\\.cpp stopped \\(SIGABRT\\) while loading ${aborts} with ` +
          "(the local build of llama\\.cpp and the batched engine, and again \\(SIGABRT\\) with )?node-llama-cpp's prebuilt binary " +
          'and the (batched|contexts) engine: .*binary_op: unsupported types',
      ),
      'Download the model again, or pick another file of the model; nothing else was affected.',
    );
    expect(await readdir(dir)).not.toContain('crash.jsonl.partial');
    expect(existsSync(crashOutput)).toBe(false);
  });

  it('refuses a GGUF model that is not an embedding model', async () => {
    const noPooling = await testModelPath({ ...TINY, name: 'tiny-bert-no-pooling', pooling: 'none' });
    expectError(await embed({ model: noPooling }), 3, /is not an embedding model/, /embedding model/);
  });
});

describe('embed with a bad input or output', () => {
  it('refuses a missing input file (exit 3)', async () => {
    const missing = join(dir, 'nope.txt');
    expectError(await embed({ input: missing }), 3, `Input file ${missing} does not exist.`, /--input/);
  });

  it('refuses an existing output without --overwrite and leaves it untouched (exit 4)', async () => {
    const existing = join(dir, 'existing.jsonl');
    await writeFile(existing, 'precious\n');
    const before = await readdir(dir);
    expectError(await embed({ output: existing }), 4, `Output ${existing} already exists.`, /--overwrite/);
    expect(await readFile(existing, 'utf8')).toBe('precious\n');
    expect(await readdir(dir)).toEqual(before);
  });

  it('refuses an output in a folder that does not exist (exit 4)', async () => {
    const folder = join(dir, 'no-such-folder');
    expectError(await embed({ output: join(folder, 'out.jsonl') }), 4, `Output folder ${folder} does not exist.`);
    expect(existsSync(folder)).toBe(false);
  });
});
