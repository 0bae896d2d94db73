import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;

const electron = vi.hoisted(() => ({
  appListeners: new Map<string, Listener>(),
  openExternal: vi.fn(async () => undefined),
}));

vi.mock('electron', () => ({
  app: { on: (event: string, listener: Listener) => electron.appListeners.set(event, listener) },
  shell: { openExternal: electron.openExternal },
}));

const { denyPermissions, EXTERNAL_LINKS, guardWebContents, openExternalLink } = await import('../../src/main/security');

type RequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type CheckHandler = (contents: unknown, permission: string) => boolean;

function fakeSession() {
  return {
    request: null as RequestHandler | null,
    check: null as CheckHandler | null,
    setPermissionRequestHandler(handler: RequestHandler) {
      this.request = handler;
    },
    setPermissionCheckHandler(handler: CheckHandler) {
      this.check = handler;
    },
  };
}

function fakeContents() {
  return Object.assign(new EventEmitter(), {
    session: fakeSession(),
    openHandler: null as ((details: { url: string }) => { action: string }) | null,
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.openHandler = handler;
    },
  });
}

/** Emits an event the way Electron does, and says whether a listener prevented it. */
function prevented(contents: EventEmitter, name: string, ...args: unknown[]): boolean {
  const event = { preventDefault: vi.fn() };
  contents.emit(name, event, ...args);
  return event.preventDefault.mock.calls.length > 0;
}

describe('web contents guard', () => {
  beforeEach(() => {
    electron.appListeners.clear();
    electron.openExternal.mockClear();
  });

  it('gives every web contents no new windows, no navigation, no webviews and no permissions', () => {
    guardWebContents();
    const created = electron.appListeners.get('web-contents-created');
    expect(created).toBeDefined();
    const contents = fakeContents();
    created?.({}, contents);

    expect(contents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.openExternal).not.toHaveBeenCalled();
    expect(prevented(contents, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(prevented(contents, 'will-attach-webview', {}, {})).toBe(true);

    const answers: boolean[] = [];
    contents.session.request?.(contents, 'media', (granted) => answers.push(granted));
    contents.session.request?.(contents, 'notifications', (granted) => answers.push(granted));
    expect(answers).toEqual([false, false]);
    expect(contents.session.check?.(contents, 'clipboard-read')).toBe(false);
  });

  it('denies every permission of a session', () => {
    const session = fakeSession();
    denyPermissions(session as never);
    const answers: boolean[] = [];
    session.request?.(null, 'geolocation', (granted) => answers.push(granted));
    expect(answers).toEqual([false]);
    expect(session.check?.(null, 'fullscreen')).toBe(false);
  });
});

describe('external links', () => {
  beforeEach(() => electron.openExternal.mockClear());

  it('opens none today', () => {
    expect(EXTERNAL_LINKS).toEqual([]);
    for (const url of [
      'https://example.com/',
      'https://node-llama-cpp.withcat.ai',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(openExternalLink(url)).toBe(false);
    }
    expect(electron.openExternal).not.toHaveBeenCalled();
  });

  it('opens an address on the allow-list as written, and nothing that only starts like it', () => {
    const allowed = ['https://huggingface.co/BAAI/bge-small-en-v1.5'];
    expect(openExternalLink('https://huggingface.co/BAAI/bge-small-en-v1.5.evil.example', allowed)).toBe(false);
    expect(openExternalLink('https://huggingface.co/BAAI/bge-small-en-v1.5', allowed)).toBe(true);
    expect(electron.openExternal).toHaveBeenCalledTimes(1);
    expect(electron.openExternal).toHaveBeenCalledWith('https://huggingface.co/BAAI/bge-small-en-v1.5');
  });
});
