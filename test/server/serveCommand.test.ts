import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { JobSettings, ServeEventMessage } from '#shared/contract';
import { SERVE } from '#shared/protocol';
import { corpusLines } from '../support/corpus';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'serve-command-test-token-0123';

const running = new Set<ChildProcess>();

/** The entry as `npm run serve` runs it, minus npm and the build: `node --import tsx` starts faster than `tsx`. */
function startServe(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/index.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('npm run serve', () => {
  let dir: string;

  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
  });

  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Embedding Studio</title>');
  });

  it('refuses to start without a built renderer, saying how to build it', async () => {
    const serve = startServe(['--port', '0', '--renderer', join(dir, 'missing')]);
    expect(await serve.exited).toBe(1);
    const { stdout, stderr } = serve.output();
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'error: the app is not built: run npm run serve (which builds it) or npx electron-vite build',
    );
  });

  it('prints the URL with the token, runs the engine, and on SIGTERM cancels the job leaving no file behind', async () => {
    const settingsFile = join(dir, 'config', 'settings.json');
    const serve = startServe(['--port', '0', '--renderer', dir, '--settings', settingsFile], {
      EMBEDDING_STUDIO_TOKEN: TOKEN,
    });
    await expect.poll(() => serve.output().stdout, { timeout: 30_000 }).toMatch(/\n.*\n/);
    const [urlLine, hintLine] = serve.output().stdout.trimEnd().split('\n');
    const match = /^Embedding Studio is serving at (http:\/\/127\.0\.0\.1:(\d+)\/#token=(.+))$/.exec(urlLine ?? '');
    expect(match, urlLine).not.toBeNull();
    const [, url = '', port, token] = match ?? [];
    expect(token).toBe(TOKEN);
    expect(hintLine).toContain(`ssh -N -L ${port}:127.0.0.1:${port}`);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    const request = async (name: string, params: unknown): Promise<unknown> => {
      const response = await fetch(`http://127.0.0.1:${port}${SERVE.requestPath}`, {
        method: 'POST',
        headers: { [SERVE.tokenHeader]: TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify({ name, params }),
      });
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await request('system:info', {})).toMatchObject({
      ok: true,
      value: { platform: process.platform, cores: expect.any(Number) },
    });
    expect(await request('job:start', {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(existsSync(join(dir, 'config'))).toBe(true);

    const events: ServeEventMessage[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${port}${SERVE.eventsPath}`, [
      SERVE.eventsProtocol,
      `${SERVE.tokenProtocolPrefix}${TOKEN}`,
    ]);
    socket.on('message', (data) => events.push(JSON.parse((data as Buffer).toString()) as ServeEventMessage));
    const socketClosed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => socket.on('open', resolve).on('error', reject));

    const model = await testModelPath(TINY);
    expect(await request('model:load', { path: model, gpu: 'cpu', threads: 1, contextSize: 64 })).toMatchObject({
      ok: true,
    });
    const input = join(dir, 'input.txt');
    const outputDir = join(dir, 'out');
    await mkdir(outputDir);
    // Far more than the tiny model embeds before the signal arrives.
    await writeFile(input, `${corpusLines(1000).join('\n')}\n`.repeat(200));
    const settings: JobSettings = {
      input,
      inputFormat: null,
      field: null,
      glob: null,
      output: join(outputDir, 'vectors.npy'),
      format: null,
      overwrite: false,
      batchSize: 16,
      normalize: 'l2',
      prefix: '',
      onLong: 'truncate',
      chunkTokens: null,
      chunkOverlap: null,
      continueOnError: false,
      memoryLimitMb: null,
      dimensions: null,
      precision: 'float32',
    };
    expect(await request('job:start', settings)).toMatchObject({ ok: true, value: { status: 'running' } });
    await expect.poll(() => events.some((message) => message.event === 'job:progress'), { timeout: 30_000 }).toBe(true);
    expect(events.find((message) => message.event === 'job:state')).toMatchObject({ payload: { status: 'running' } });

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.output().stderr).toContain('cancelling the running job');
    expect(await socketClosed).toBe(1001);
    expect(await readdir(outputDir)).toEqual([]);
    await expect(fetch(url)).rejects.toThrow();
  });
});
