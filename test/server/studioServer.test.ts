import { request as httpRequest } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  IDLE_JOB,
  type EventName,
  type EventPayloads,
  type JobState,
  type Reply,
  type ServeEventMessage,
  type StudioBackend,
} from '#shared/contract';
import { SERVE } from '#shared/protocol';
import { CONTENT_SECURITY_POLICY } from '../../src/server/securityHeaders';
import { startStudioServer, type StudioServer } from '../../src/server/studioServer';

const TOKEN = 'test-token-0123456789abcdef';
const INDEX_HTML = '<!doctype html><title>Embedding Studio</title>';
const ASSET_JS = 'console.log("asset");';

type Listener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** The transport boundary only: a backend that answers `echo` with its parameters and records subscriptions. */
class FakeBackend implements StudioBackend {
  readonly listeners = new Set<Listener>();
  readonly calls: Array<{ name: string; params: unknown }> = [];

  async handle(name: string, params: unknown): Promise<Reply<unknown>> {
    this.calls.push({ name, params });
    if (name === 'echo') return { ok: true, value: params };
    return { ok: false, error: { code: 'INVALID_REQUEST', message: `unknown request "${name}"` } };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch, which does not let a test set the Host header. */
function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resolves with the HTTP status an upgrade was refused with, or 101 once the socket opens (then closes it). */
function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, options);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', (error) => reject(error));
  });
}

/** The subprotocols the page asks for, carrying `token`. */
const withToken = (token: string): string[] => [SERVE.eventsProtocol, `${SERVE.tokenProtocolPrefix}${token}`];

const hostHeader = (port: number): Record<string, string> => ({ host: `127.0.0.1:${port}` });

describe('studio server', () => {
  const backend = new FakeBackend();
  let parentDir: string;
  let rendererDir: string;
  let server: StudioServer;
  let base: string;

  beforeAll(async () => {
    parentDir = await mkdtemp(join(tmpdir(), 'studio-server-'));
    rendererDir = join(parentDir, 'renderer');
    await mkdir(join(rendererDir, 'assets'), { recursive: true });
    await writeFile(join(rendererDir, 'index.html'), INDEX_HTML);
    await writeFile(join(rendererDir, 'assets', 'index-abc123.js'), ASSET_JS);
    await writeFile(join(rendererDir, 'assets', 'style.css'), 'body{}');
    await writeFile(join(rendererDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // A file beside the renderer folder, which traversal attempts aim at.
    await writeFile(join(parentDir, 'studio-secret.txt'), 'secret');
    server = await startStudioServer({ backend, rendererDir, port: 0, token: TOKEN });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
    await rm(parentDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only, on the port the system picked, and prints a URL with the token', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toEqual({ address: '127.0.0.1', family: 'IPv4', port: server.port });
    // Every other address of this machine (link-local ones aside, which need a zone to be reached) is refused.
    const elsewhere = Object.values(networkInterfaces())
      .flatMap((infos) => infos ?? [])
      .filter((info) => info.address !== '127.0.0.1' && !info.address.startsWith('fe80:'));
    for (const info of elsewhere) {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      await expect(fetch(`http://${host}:${server.port}/`), host).rejects.toThrow();
    }
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#${SERVE.tokenFragment}=${TOKEN}`);
  });

  it('refuses engine requests without the right token in the header, wherever else it is', async () => {
    const post = (headers: Record<string, string>, query = ''): Promise<Response> =>
      fetch(`${base}${SERVE.requestPath}${query}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'echo', params: {} }),
      });
    const refusals = [
      await post({}),
      await post({ [SERVE.tokenHeader]: TOKEN.slice(1) }),
      await post({ [SERVE.tokenHeader]: `${TOKEN}x` }),
      await post({}, `?token=${TOKEN}`),
      await post({ cookie: `studio_token=${TOKEN}` }),
      await fetch(`${base}${SERVE.requestPath}`),
    ];
    for (const response of refusals) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toMatch(/token/);
    }
    expect(backend.calls).toEqual([]);
  });

  it('refuses a WebSocket without the right token among its subprotocols before upgrading', async () => {
    const events = `ws://127.0.0.1:${server.port}${SERVE.eventsPath}`;
    expect(await upgradeStatus(events)).toBe(401);
    expect(await upgradeStatus(events, {}, [SERVE.eventsProtocol])).toBe(401);
    expect(await upgradeStatus(events, {}, withToken('nope-nope-nope-nope'))).toBe(401);
    expect(await upgradeStatus(`${events}?token=${TOKEN}`)).toBe(401);
    expect(
      await upgradeStatus(events, { headers: { [SERVE.tokenHeader]: TOKEN, cookie: `studio_token=${TOKEN}` } }),
    ).toBe(401);
    expect(backend.listeners.size).toBe(0);
  });

  it('serves the page to anyone asking for its own host, and never sets a cookie', async () => {
    for (const path of ['/', `/?token=${TOKEN}`, '/assets/index-abc123.js']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('set-cookie'), path).toBeNull();
    }
    expect(await (await fetch(`${base}/`)).text()).toBe(INDEX_HTML);
  });

  it('sends the security headers on every response, refusals included', async () => {
    for (const response of [await fetch(`${base}/`), await fetch(`${base}${SERVE.requestPath}`, { method: 'POST' })]) {
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('refuses a request for another host name (DNS rebinding) with 403, token or not', async () => {
    const auth = { [SERVE.tokenHeader]: TOKEN };
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      expect((await rawRequest(server.port, { path: '/', headers: { ...auth, host } })).status, host).toBe(403);
      const engine = await rawRequest(server.port, {
        method: 'POST',
        path: SERVE.requestPath,
        headers: { ...auth, host, 'content-type': 'application/json' },
        body: '{"name":"job:start","params":{}}',
      });
      expect(engine.status, host).toBe(403);
    }
    expect(backend.calls).toEqual([]);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      expect((await rawRequest(server.port, { path: '/', headers: { ...auth, host } })).status, host).toBe(200);
    }
    expect(
      await upgradeStatus(
        `ws://127.0.0.1:${server.port}${SERVE.eventsPath}`,
        { headers: { host: 'evil.example' } },
        withToken(TOKEN),
      ),
    ).toBe(403);
  });

  it('answers requests through the backend, passing the name and parameters through', async () => {
    const response = await fetch(`${base}${SERVE.requestPath}`, {
      method: 'POST',
      headers: { [SERVE.tokenHeader]: TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'echo', params: { path: '/tmp/a b.txt', n: 1 } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ ok: true, value: { path: '/tmp/a b.txt', n: 1 } });
    const refused = await fetch(`${base}${SERVE.requestPath}`, {
      method: 'POST',
      headers: { [SERVE.tokenHeader]: TOKEN, origin: base },
      body: JSON.stringify({ name: 'job:start', params: {} }),
    });
    expect(refused.status).toBe(200);
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(backend.calls.at(-1)).toEqual({ name: 'job:start', params: {} });
  });

  it('refuses a cross-origin POST with 403 without calling the backend', async () => {
    const calls = backend.calls.length;
    for (const origin of ['https://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null']) {
      const response = await rawRequest(server.port, {
        method: 'POST',
        path: SERVE.requestPath,
        headers: { ...hostHeader(server.port), [SERVE.tokenHeader]: TOKEN, origin },
        body: JSON.stringify({ name: 'echo', params: {} }),
      });
      expect(response.status, origin).toBe(403);
    }
    expect(backend.calls.length).toBe(calls);
    expect(
      await upgradeStatus(
        `ws://127.0.0.1:${server.port}${SERVE.eventsPath}`,
        { origin: 'https://evil.example' },
        withToken(TOKEN),
      ),
    ).toBe(403);
  });

  it('answers a bad body with a Reply-shaped error: 400 for bad JSON or shape, 413 over 1 MiB', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(`${base}${SERVE.requestPath}`, { method: 'POST', headers: { [SERVE.tokenHeader]: TOKEN }, body });
    const calls = backend.calls.length;
    for (const body of ['{"name": "echo", ', '', '[1]', '{"params": {}}', '{"name": 5}']) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toMatchObject({
        ok: false,
        error: { code: 'INVALID_REQUEST', message: expect.any(String) },
      });
    }
    const tooLarge = await post(JSON.stringify({ name: 'echo', params: { text: 'x'.repeat(1024 * 1024) } }));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/1 MiB/) },
    });
    expect(backend.calls.length).toBe(calls);
    expect((await fetch(`${base}${SERVE.requestPath}`, { headers: { [SERVE.tokenHeader]: TOKEN } })).status).toBe(405);
  });

  it('serves the built renderer with the right content types and caching', async () => {
    const get = (path: string): Promise<Response> =>
      fetch(`${base}${path}`, { headers: { [SERVE.tokenHeader]: TOKEN } });
    const index = await get('/');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    expect(await (await get('/index.html')).text()).toBe(INDEX_HTML);
    const script = await get('/assets/index-abc123.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(ASSET_JS);
    expect((await get('/assets/style.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('/assets/logo.svg')).headers.get('content-type')).toBe('image/svg+xml');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/assets')).status).toBe(404);
    const head = await fetch(`${base}/assets/index-abc123.js`, {
      method: 'HEAD',
      headers: { [SERVE.tokenHeader]: TOKEN },
    });
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(ASSET_JS)));
  });

  it('never serves a file outside the renderer folder', async () => {
    const paths = [
      '/../studio-secret.txt',
      '/%2e%2e/studio-secret.txt',
      '/..%2fstudio-secret.txt',
      '/assets/..%2f..%2fstudio-secret.txt',
      '/%2e%2e%2fstudio-secret.txt',
      '/..%5cstudio-secret.txt',
      '/%252e%252e/studio-secret.txt',
      `/${encodeURIComponent(join(parentDir, 'studio-secret.txt'))}`,
      '/%00',
      '/%e0%a4%a',
    ];
    for (const path of paths) {
      const response = await rawRequest(server.port, {
        path,
        headers: { ...hostHeader(server.port), [SERVE.tokenHeader]: TOKEN },
      });
      expect([400, 404], path).toContain(response.status);
      expect(response.body).not.toContain('secret');
    }
  });

  it('forwards backend events over the WebSocket as {event, payload} and unsubscribes on close', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${SERVE.eventsPath}`, withToken(TOKEN));
    await new Promise<void>((resolve, reject) => socket.on('open', resolve).on('error', reject));
    // The server picks the plain subprotocol: the token is never echoed back.
    expect(socket.protocol).toBe(SERVE.eventsProtocol);
    await expect.poll(() => backend.listeners.size).toBe(1);
    const received = new Promise<ServeEventMessage>((resolve) =>
      socket.once('message', (data) => resolve(JSON.parse((data as Buffer).toString()) as ServeEventMessage)),
    );
    const state: JobState = { ...IDLE_JOB };
    backend.emit('job:state', state);
    expect(await received).toEqual({ event: 'job:state', payload: state });
    socket.close();
    await expect.poll(() => backend.listeners.size).toBe(0);
  });

  it('closes open WebSockets when it stops, and then refuses connections', async () => {
    const other = await startStudioServer({ backend, rendererDir, port: 0, token: TOKEN });
    const socket = new WebSocket(`ws://127.0.0.1:${other.port}${SERVE.eventsPath}`, withToken(TOKEN));
    await new Promise<void>((resolve, reject) => socket.on('open', resolve).on('error', reject));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const started = performance.now();
    await other.close();
    expect(await closed).toBe(1001);
    expect(performance.now() - started).toBeLessThan(1500);
    await expect.poll(() => backend.listeners.size).toBe(0);
    await expect(fetch(`http://127.0.0.1:${other.port}/`)).rejects.toThrow();
  });

  it('runs beside another server on another port, each taking only its own token, and no cookie from either', async () => {
    const otherToken = 'other-token-0123456789abcdef';
    const other = await startStudioServer({ backend, rendererDir, port: 0, token: otherToken });
    try {
      const responses: Response[] = [];
      const post = async (port: number, token: string): Promise<number> => {
        const response = await fetch(`http://127.0.0.1:${port}${SERVE.requestPath}`, {
          method: 'POST',
          headers: { [SERVE.tokenHeader]: token },
          body: JSON.stringify({ name: 'echo', params: { port } }),
        });
        responses.push(response);
        return response.status;
      };
      responses.push(await fetch(`http://127.0.0.1:${other.port}/`), await fetch(`${base}/`));
      expect(await post(server.port, TOKEN)).toBe(200);
      expect(await post(other.port, otherToken)).toBe(200);
      expect(await post(server.port, otherToken)).toBe(401);
      expect(await post(other.port, TOKEN)).toBe(401);
      expect(await post(server.port, TOKEN)).toBe(200);
      const socketTo = (port: number, token: string) =>
        upgradeStatus(`ws://127.0.0.1:${port}${SERVE.eventsPath}`, {}, withToken(token));
      expect([
        await socketTo(server.port, TOKEN),
        await socketTo(other.port, otherToken),
        await socketTo(server.port, otherToken),
        await socketTo(other.port, TOKEN),
      ]).toEqual([101, 101, 401, 401]);
      expect(responses.map((response) => response.headers.get('set-cookie'))).toEqual(responses.map(() => null));
    } finally {
      await other.close();
    }
  });

  it('reports a port in use and refuses an unsafe token', async () => {
    await expect(startStudioServer({ backend, rendererDir, port: server.port, token: TOKEN })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(startStudioServer({ backend, rendererDir, port: 0, token: 'short' })).rejects.toThrow(/token/);
    await expect(startStudioServer({ backend, rendererDir, port: 0, token: `${TOKEN}; Path=/x` })).rejects.toThrow(
      /token/,
    );
  });
});
