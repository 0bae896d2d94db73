import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOADS_FOLDER } from '#core/library/modelsFolder';
import type { CatalogEntry, LocalModel } from '#shared/modelLibrary';
import { tempDir } from '../support/files';
import { startModelServer, type ModelServer } from '../support/modelServer';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

let server: ModelServer;
/** Stands in for huggingface.co, through HF_ENDPOINT; only for catalog names, since node-llama-cpp takes every URL of the endpoint's host for an hf: one. */
let hub: ModelServer;
let tiny: Buffer;
/** Keeps the CLI away from the real app settings. */
let env: NodeJS.ProcessEnv;
let hubEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  tiny = await readFile(await testModelPath(TINY));
  server = await startModelServer({ 'tiny.gguf': tiny, 'page.gguf': Buffer.from('<html>not a model</html>\n') });
  hub = await startModelServer({ 'bge-small-en-v1.5-q8_0.gguf': tiny });
  env = { XDG_CONFIG_HOME: await tempDir() };
  hubEnv = { ...env, HF_ENDPOINT: hub.origin };
});
afterAll(() => Promise.all([server.close(), hub.close()]));

function models(...args: string[]) {
  return runCli(['models', ...args], undefined, env);
}

function hubModels(...args: string[]) {
  return runCli(['models', ...args], undefined, hubEnv);
}

describe('models list', () => {
  it('shows an empty folder and the catalog, and as JSON', async () => {
    const dir = await tempDir();
    const text = await models('list', '--models-dir', dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Models folder: ${dir}`);
    expect(text.stdout).toContain('none yet');
    expect(text.stdout).toMatch(/^ {2}bge-small-en-v1\.5 \* +English, 384 dimensions, 512 tokens, 35 MiB, MIT$/m);

    const json = await models('list', '--models-dir', dir, '--json');
    const listing = JSON.parse(json.stdout) as {
      dir: string;
      models: LocalModel[];
      incomplete: string[];
      catalog: CatalogEntry[];
    };
    expect(listing).toMatchObject({ dir, models: [], incomplete: [] });
    expect(listing.catalog.map((entry) => entry.id)).toContain('nomic-embed-text-v1.5');
    expect(listing.catalog.every((entry) => entry.path === null)).toBe(true);
  });

  it('uses the models folder chosen in the app when --models-dir is not given', async () => {
    const config = await tempDir();
    const chosen = join(await tempDir(), 'chosen');
    await mkdir(join(config, 'embedding-studio'), { recursive: true });
    await writeFile(join(config, 'embedding-studio', 'settings.json'), JSON.stringify({ modelsDir: chosen }));
    const result = await runCli(['models', 'list', '--json'], undefined, { ...env, XDG_CONFIG_HOME: config });
    expect(JSON.parse(result.stdout)).toMatchObject({ dir: chosen });
  });
});

describe('models pull', () => {
  it('downloads a URL, describes the model, and finds it the next time', async () => {
    const dir = await tempDir();
    const result = await models('pull', server.url('tiny.gguf'), '--models-dir', dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Downloaded tiny\.gguf \(241 KiB\) in /);
    expect(result.stdout).toMatch(/^ {2}dimensions +32$/m);
    expect(result.stdout).toMatch(/^ {2}pooling +mean$/m);
    expect((await readFile(join(dir, 'tiny.gguf'))).equals(tiny)).toBe(true);

    const again = await models('pull', server.url('tiny.gguf'), '--models-dir', dir, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({
      alreadyPresent: true,
      catalog: null,
      model: { path: join(dir, 'tiny.gguf'), name: 'tiny-bert', dimensions: 32 },
    });
  });

  it('downloads a catalog model by name under its catalog file name', async () => {
    const dir = await tempDir();
    const result = await hubModels('pull', 'bge-small-en-v1.5', '--models-dir', dir, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      alreadyPresent: false,
      model: { fileName: 'bge-small-en-v1.5-q8_0.gguf' },
      catalog: { id: 'bge-small-en-v1.5' },
    });
    const listing = JSON.parse((await models('list', '--models-dir', dir, '--json')).stdout) as {
      catalog: CatalogEntry[];
    };
    expect(listing.catalog.find((entry) => entry.id === 'bge-small-en-v1.5')?.path).toBe(
      join(dir, 'bge-small-en-v1.5-q8_0.gguf'),
    );
  });

  it('says a model is not found (exit 6), and that a page is not a model (exit 3), leaving nothing behind', async () => {
    const dir = await tempDir();
    expectError(
      await models('pull', server.url('missing.gguf'), '--models-dir', dir),
      6,
      /^error: Model not found: .*answered 404 Not Found\.$/,
      /Check the address/,
    );
    expectError(
      await models('pull', server.url('page.gguf'), '--models-dir', dir),
      3,
      /is not a GGUF model file; it was deleted\.$/,
    );
    expect(readdirSync(dir)).toEqual([DOWNLOADS_FOLDER]);
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).toEqual([]);
  });

  it('refuses a name that is neither a catalog model nor an address (exit 2)', async () => {
    expectError(
      await models('pull', 'bge-smal', '--models-dir', await tempDir()),
      2,
      /is neither a catalog model nor an hf: URI or http\(s\) URL/,
      /bge-small-en-v1\.5/,
    );
  });
});

describe('models rm', () => {
  it('removes a model by file name or catalog name, and says when there is none', async () => {
    const dir = await tempDir();
    await models('pull', server.url('tiny.gguf'), '--models-dir', dir);
    await hubModels('pull', 'bge-small-en-v1.5', '--models-dir', dir);
    const byFile = await models('rm', 'tiny.gguf', '--models-dir', dir);
    expect(byFile.stdout).toBe(`Removed ${join(dir, 'tiny.gguf')}\n`);
    const byName = await models('rm', 'bge-small-en-v1.5', '--models-dir', dir, '--json');
    expect(JSON.parse(byName.stdout)).toEqual({ removed: [join(dir, 'bge-small-en-v1.5-q8_0.gguf')] });
    expect(existsSync(join(dir, 'tiny.gguf'))).toBe(false);
    expectError(await models('rm', 'tiny.gguf', '--models-dir', dir), 3, `There is no model tiny.gguf in ${dir}.`);
  });
});

describe('models rm refuses what is not a model', () => {
  it('refuses another file of the folder (exit 3) and a path (exit 2), deleting nothing', async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), 'victim.gguf');
    await writeFile(outside, tiny);
    await writeFile(join(dir, 'notes.txt'), 'my notes');
    expectError(
      await models('rm', 'notes.txt', '--models-dir', dir),
      3,
      `${join(dir, 'notes.txt')} is not a GGUF model (.gguf); nothing was removed.`,
      /^hint: Only the models and incomplete downloads the models list shows are removed/,
    );
    expectError(await models('rm', outside, '--models-dir', dir), 2, `"${outside}" is not a file name.`);
    expectError(await models('rm', '../victim.gguf', '--models-dir', dir), 2, '"../victim.gguf" is not a file name.');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(existsSync(outside)).toBe(true);
  });
});

describe('models usage errors (exit 2)', () => {
  it.each([
    [[], /^error: models needs one of list, pull or rm$/],
    [['fetch'], /^error: unknown models command "fetch"$/],
    [['pull'], /^error: models pull needs a model: a catalog name, an hf: URI or a URL$/],
    [['list', 'extra'], /^error: unexpected argument "extra"$/],
    [['list', '--model', 'm.gguf'], /^error: --model is not an option of models$/],
  ])('models %j', async (args, message) => {
    expectError(await models(...args), 2, message);
  });
});

describe('embed and info with a model to download', () => {
  it('downloads a catalog model into the models folder first, then embeds with it', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.txt');
    await writeFile(input, 'hello world\nembedding model\n');
    const output = join(dir, 'out.jsonl');
    const result = await runCli(
      [
        'embed',
        '--model',
        'bge-small-en-v1.5',
        '--models-dir',
        join(dir, 'models'),
        '--input',
        input,
        '--output',
        output,
        '--json',
      ],
      undefined,
      hubEnv,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      model: { path: join(dir, 'models', 'bge-small-en-v1.5-q8_0.gguf'), dimension: 32 },
    });
    expect((await readFile(output, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('checks the input before downloading anything', async () => {
    const dir = await tempDir();
    const since = server.requests.length;
    const missing = join(dir, 'missing.txt');
    const result = await runCli(
      [
        'embed',
        '--model',
        server.url('tiny.gguf'),
        '--models-dir',
        dir,
        '--input',
        missing,
        '--output',
        join(dir, 'o.jsonl'),
      ],
      undefined,
      env,
    );
    expectError(result, 3, `Input file ${missing} does not exist.`);
    expect(server.requests.length).toBe(since);
  });

  it('uses a pulled model by the name models list shows: without .gguf in embed, with it in info', async () => {
    const dir = await tempDir();
    await models('pull', server.url('tiny.gguf'), '--models-dir', dir);
    const input = join(dir, 'in.txt');
    await writeFile(input, 'hello world\n');
    const embedded = await runCli(
      ['embed', '--model', 'tiny', '--models-dir', dir, '--input', input, '--output', join(dir, 'out.jsonl'), '--json'],
      undefined,
      env,
    );
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(JSON.parse(embedded.stdout)).toMatchObject({ model: { path: join(dir, 'tiny.gguf') } });
    const info = await runCli(['info', '--model', 'tiny.gguf', '--models-dir', dir, '--json'], undefined, env);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ path: join(dir, 'tiny.gguf'), dimension: 32 });
  });

  it('uses a model placed in the folder by hand: without .gguf in info, with it in embed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'hidden-model.gguf'), tiny);
    const info = await runCli(['info', '--model', 'hidden-model', '--models-dir', dir, '--json'], undefined, env);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ path: join(dir, 'hidden-model.gguf') });
    const input = join(dir, 'in.txt');
    await writeFile(input, 'hello world\n');
    const embedded = await runCli(
      [
        'embed',
        '--model',
        'hidden-model.gguf',
        '--models-dir',
        dir,
        '--input',
        input,
        '--output',
        join(dir, 'out.npy'),
        '--json',
      ],
      undefined,
      env,
    );
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(JSON.parse(embedded.stdout)).toMatchObject({ model: { path: join(dir, 'hidden-model.gguf') } });
  });

  it('takes a name the folder lists before a catalog model of that name, downloading nothing', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bge-m3.gguf'), tiny);
    const since = hub.requests.length;
    const info = await runCli(['info', '--model', 'bge-m3', '--models-dir', dir, '--json'], undefined, hubEnv);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ path: join(dir, 'bge-m3.gguf') });
    expect(hub.requests.length).toBe(since);
  });

  it('describes a model given by URL with info', async () => {
    const dir = await tempDir();
    const result = await runCli(
      ['info', '--model', server.url('tiny.gguf'), '--models-dir', dir, '--json'],
      undefined,
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ path: join(dir, 'tiny.gguf'), name: 'tiny-bert', dimension: 32 });
  });
});
