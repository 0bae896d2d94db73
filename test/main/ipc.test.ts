import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayloads } from '#shared/contract';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '#shared/protocol';

interface Frame {
  url: string;
  processId: number;
  routingId: number;
}
type Handler = (event: { sender: unknown; senderFrame: Frame | null }, ...args: unknown[]) => unknown;
const handlers = new Map<string, Handler>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { connectWindow } = await import('../../src/main/ipc');

const PAGE = 'file:///opt/embedding-studio/out/renderer/index.html';

function fakeWindow() {
  const contents = Object.assign(new EventEmitter(), {
    mainFrame: { url: PAGE, processId: 4, routingId: 1 },
    sent: [] as unknown[][],
    destroyed: false,
    send(...args: unknown[]) {
      this.sent.push(args);
    },
    isDestroyed() {
      return this.destroyed;
    },
  });
  return { webContents: contents };
}

/** A request as the window's page sends it. */
function fromPage(window: ReturnType<typeof fakeWindow>) {
  return { sender: window.webContents, senderFrame: window.webContents.mainFrame };
}

function fakeService() {
  let listener: ((event: EventName, payload: unknown) => void) | null = null;
  const service = {
    handle: vi.fn(async (name: string, params: unknown) => ({ ok: true as const, value: { name, params } })),
    subscribe: vi.fn((next: (event: EventName, payload: unknown) => void) => {
      listener = next;
      return () => {
        listener = null;
      };
    }),
  };
  const emit = <E extends EventName>(event: E, payload: EventPayloads[E]): void => listener?.(event, payload);
  return { service, emit, subscribed: () => listener !== null };
}

describe('connectWindow', () => {
  beforeEach(() => handlers.clear());

  it("forwards the window's requests to the service and its events to the window", async () => {
    const window = fakeWindow();
    const { service, emit } = fakeService();
    connectWindow(service, window as never, PAGE);

    const handler = handlers.get(REQUEST_CHANNEL);
    expect(handler).toBeDefined();
    const reply = await handler?.(fromPage(window), 'model:info', {});
    expect(service.handle).toHaveBeenCalledWith('model:info', {});
    expect(reply).toEqual({ ok: true, value: { name: 'model:info', params: {} } });

    const payload = { jobId: 1, entries: [{ line: 3, reason: 'blank' as const }] };
    emit('job:log', payload);
    expect(window.webContents.sent).toEqual([[EVENT_CHANNEL, 'job:log', payload]]);

    window.webContents.destroyed = true;
    emit('job:log', payload);
    expect(window.webContents.sent).toHaveLength(1);
  });

  it('refuses requests from other web contents and names that are not strings', async () => {
    const window = fakeWindow();
    const { service } = fakeService();
    connectWindow(service, window as never, PAGE);
    const handler = handlers.get(REQUEST_CHANNEL);

    expect(await handler?.(fromPage(fakeWindow()), 'job:start', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await handler?.(fromPage(window), 42, {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('refuses requests from a frame inside the window, from another page in it, and from a frame that is gone', async () => {
    const window = fakeWindow();
    const { service } = fakeService();
    connectWindow(service, window as never, PAGE);
    const handler = handlers.get(REQUEST_CHANNEL);
    const sender = window.webContents;
    const forbidden = { ok: false, error: { code: 'FORBIDDEN' } };

    const iframe = { url: PAGE, processId: 4, routingId: 7 };
    expect(await handler?.({ sender, senderFrame: iframe }, 'job:start', {})).toMatchObject(forbidden);
    const foreignIframe = { url: 'https://example.com/ad.html', processId: 9, routingId: 2 };
    expect(await handler?.({ sender, senderFrame: foreignIframe }, 'job:start', {})).toMatchObject(forbidden);
    sender.mainFrame = { ...sender.mainFrame, url: 'https://example.com/' };
    expect(await handler?.({ sender, senderFrame: sender.mainFrame }, 'job:start', {})).toMatchObject(forbidden);
    expect(await handler?.({ sender, senderFrame: null }, 'job:start', {})).toMatchObject(forbidden);
    expect(service.handle).not.toHaveBeenCalled();

    // The page itself, with a fragment or a query, is still the page.
    for (const url of [`${PAGE}#/run`, `${PAGE}?x=1`]) {
      sender.mainFrame = { ...sender.mainFrame, url };
      expect(await handler?.(fromPage(window), 'model:info', {}), url).toMatchObject({ ok: true });
    }
  });

  it('disconnects', () => {
    const { service, subscribed } = fakeService();
    const disconnect = connectWindow(service, fakeWindow() as never, PAGE);
    disconnect();
    expect(handlers.has(REQUEST_CHANNEL)).toBe(false);
    expect(subscribed()).toBe(false);
  });
});
