import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState } from '#shared/contract';
import { SERVE } from '#shared/protocol';
import { createBrowserApi, type EventSocket } from '../../src/renderer/src/api/browserApi';
import { idleJob, jobState, progress, settle } from './fakeStudioApi';

class FakeSocket implements EventSocket {
  onopen: EventSocket['onopen'] = null;
  onmessage: EventSocket['onmessage'] = null;
  onclose: EventSocket['onclose'] = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  open() {
    this.onopen?.call(this as unknown as WebSocket, new Event('open'));
  }
  send(data: unknown) {
    this.onmessage?.call(this as unknown as WebSocket, new MessageEvent('message', { data }));
  }
  drop() {
    this.onclose?.call(this as unknown as WebSocket, new Event('close') as CloseEvent);
  }
  close() {
    this.closed = true;
  }
}

function setup(
  options: { href?: string; kept?: Map<string, string>; reply?: (body: unknown) => Response | Promise<Response> } = {},
) {
  const sockets: FakeSocket[] = [];
  const kept = options.kept ?? new Map<string, string>();
  const storage = {
    getItem: (key: string) => kept.get(key) ?? null,
    setItem: (key: string, value: string) => void kept.set(key, value),
  };
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const history = { replaceState: vi.fn() };
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: url as string, init: init ?? {} });
    const body: unknown = JSON.parse(init?.body as string);
    return options.reply ? options.reply(body) : Response.json({ ok: true, value: idleJob() });
  });
  const api = createBrowserApi({
    location: {
      href: options.href ?? 'http://127.0.0.1:5000/#token=abc123',
      host: '127.0.0.1:5000',
      protocol: 'http:',
    },
    history,
    storage,
    fetch,
    openSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    reconnectMs: { first: 100, max: 400 },
  });
  return { api, sockets, calls, history, kept };
}

describe('browser api requests', () => {
  it('posts the request with the token from the address fragment, keeps it for this tab, and takes it out of the address bar', async () => {
    const { api, calls, history, kept } = setup({ href: 'http://127.0.0.1:5000/?tab=1#token=abc123&top=1' });
    const reply = await api.request('job:state', {});
    expect(reply).toEqual({ ok: true, value: idleJob() });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(SERVE.requestPath);
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json', [SERVE.tokenHeader]: 'abc123' },
    });
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ name: 'job:state', params: {} });
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/?tab=1#top=1');
    expect([...kept.values()]).toEqual(['abc123']);
    expect(api.host).toBe('browser');
    expect(api.pathForFile(new File([], 'notes.txt'))).toBeNull();
  });

  it('passes on the host’s error replies', async () => {
    const error = { code: 'NOT_GGUF', message: 'not a model' };
    const { api } = setup({ reply: () => Response.json({ ok: false, error }, { status: 400 }) });
    expect(await api.request('model:info', {})).toEqual({ ok: false, error });
  });

  it('turns an unreachable server into DISCONNECTED', async () => {
    const { api } = setup({ reply: () => Promise.reject(new TypeError('Failed to fetch')) });
    const reply = await api.request('job:state', {});
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'DISCONNECTED', message: 'Cannot reach the Embedding Studio server.' },
    });
  });

  it('turns a refused token into UNAUTHORIZED, and an answer without a reply into DISCONNECTED', async () => {
    const refused = setup({
      reply: () => new Response('Unauthorized: open the URL with the access token.', { status: 401 }),
    });
    expect(await refused.api.request('job:state', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const forbidden = setup({
      reply: () => new Response('Forbidden: requests from another origin are refused.', { status: 403 }),
    });
    expect(await forbidden.api.request('job:state', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Forbidden: requests from another origin are refused.' },
    });
    const broken = setup({ reply: () => new Response('<html>', { status: 502 }) });
    expect(await broken.api.request('job:state', {})).toMatchObject({
      ok: false,
      error: { code: 'DISCONNECTED', message: 'The Embedding Studio server answered with HTTP 502 and no result.' },
    });
  });

  it('uses the token kept by this tab after a reload, whose address has none', async () => {
    const first = setup();
    const { api, calls, history } = setup({ href: 'http://127.0.0.1:5000/', kept: first.kept });
    await api.request('job:state', {});
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json', [SERVE.tokenHeader]: 'abc123' });
    expect(history.replaceState).not.toHaveBeenCalled();
  });

  it('sends no token header when the tab has none and the address has one only in its query, which it ignores', async () => {
    const { api, calls } = setup({ href: 'http://127.0.0.1:5000/?token=abc123' });
    await api.request('job:state', {});
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json' });
  });
});

describe('browser api events', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shares one socket among listeners and hands each event to its own listeners', () => {
    const { api, sockets } = setup();
    const progressEvents: unknown[] = [];
    const states: JobState[] = [];
    api.on('job:progress', (payload) => progressEvents.push(payload));
    api.on('job:state', (payload) => states.push(payload));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.url).toBe(`ws://127.0.0.1:5000${SERVE.eventsPath}`);
    expect(sockets[0]?.protocols).toEqual([SERVE.eventsProtocol, `${SERVE.tokenProtocolPrefix}abc123`]);
    const payload = { jobId: 1, ...progress(5) };
    sockets[0]?.send(JSON.stringify({ event: 'job:progress', payload }));
    sockets[0]?.send(JSON.stringify({ event: 'job:unknown', payload: {} }));
    sockets[0]?.send('not json');
    expect(progressEvents).toEqual([payload]);
    expect(states).toEqual([]);
  });

  it('reconnects with growing delays and catches up on the job state when connected', async () => {
    const { api, sockets } = setup({ reply: () => Response.json({ ok: true, value: jobState(3, 'running') }) });
    const states: JobState[] = [];
    api.on('job:state', (payload) => states.push(payload));
    sockets[0]?.drop();
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]?.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]?.open();
    await settle();
    expect(states).toEqual([jobState(3, 'running')]);
    sockets[2]?.drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it('closes the socket when the last listener leaves', () => {
    const { api, sockets } = setup();
    const offState = api.on('job:state', () => undefined);
    const offLog = api.on('job:log', () => undefined);
    offState();
    expect(sockets[0]?.closed).toBe(false);
    offLog();
    expect(sockets[0]?.closed).toBe(true);
    sockets[0]?.drop();
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(1);
  });
});
