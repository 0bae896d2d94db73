import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayloads, StudioBackend } from '../../src/shared/contract';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../../src/shared/protocol';

type Handler = (event: { sender: unknown }, ...args: unknown[]) => unknown;
const handlers = new Map<string, Handler>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { connectWindow } = await import('../../src/main/ipc');

function fakeWindow() {
  const contents = Object.assign(new EventEmitter(), {
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
    connectWindow(service as unknown as StudioBackend, window as never);

    const handler = handlers.get(REQUEST_CHANNEL);
    expect(handler).toBeDefined();
    const reply = await handler?.({ sender: window.webContents }, 'model:info', {});
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
    connectWindow(service as unknown as StudioBackend, window as never);
    const handler = handlers.get(REQUEST_CHANNEL);

    expect(await handler?.({ sender: fakeWindow().webContents }, 'job:start', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await handler?.({ sender: window.webContents }, 42, {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('disconnects', () => {
    const { service, subscribed } = fakeService();
    const disconnect = connectWindow(service as unknown as StudioBackend, fakeWindow() as never);
    disconnect();
    expect(handlers.has(REQUEST_CHANNEL)).toBe(false);
    expect(subscribed()).toBe(false);
  });
});
