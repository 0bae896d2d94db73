import { EventEmitter } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { closeGuard } from '../../src/main/closeGuard';
import type { StudioService } from '#host/studioService';
import { initialBounds } from '../../src/main/windowState';
import { tempDir } from '../support/files';

const electron = vi.hoisted(() => ({
  showMessageBox: vi.fn(async () => ({ response: 1, checkboxChecked: false })),
}));

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class BrowserWindow extends Emitter {
    readonly webContents = new Emitter();
    closed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
    }
    maximize() {}
    isMaximized() {
      return false;
    }
    getNormalBounds() {
      return { x: 10, y: 20, width: 900, height: 700 };
    }
    /** Like Electron: a close runs the `close` handlers, and closes unless one prevents it. */
    close() {
      let prevented = false;
      this.emit('close', { preventDefault: () => (prevented = true) });
      if (!prevented) this.closed = true;
    }
  }
  return {
    BrowserWindow,
    dialog: { showMessageBox: electron.showMessageBox },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  };
});

const { createMainWindow } = await import('../../src/main/window');

interface FakeWindow extends EventEmitter {
  options: { webPreferences: Record<string, unknown>; width: number; x?: number };
  closed: boolean;
  close(): void;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('closeGuard', () => {
  function guard(busy: boolean, answer: boolean) {
    const calls: string[] = [];
    const handler = closeGuard({
      isBusy: () => busy,
      confirm: async () => {
        calls.push('ask');
        return answer;
      },
      stopRun: async () => {
        calls.push('stop');
        await settled();
        calls.push('stopped');
      },
      close: () => calls.push('close'),
    });
    const close = () => {
      const event = { preventDefault: vi.fn() };
      handler(event);
      return event.preventDefault.mock.calls.length > 0;
    };
    return { calls, close };
  }

  it('lets the window close when no run is in progress', () => {
    const { calls, close } = guard(false, true);
    expect(close()).toBe(false);
    expect(calls).toEqual([]);
  });

  it('keeps the window open during a run when the user says Cancel', async () => {
    const { calls, close } = guard(true, false);
    expect(close()).toBe(true);
    await settled();
    expect(calls).toEqual(['ask']);
  });

  it('cancels the run, waits for it, then closes when the user confirms', async () => {
    const { calls, close } = guard(true, true);
    expect(close()).toBe(true);
    // A second close while the question is open does not ask twice.
    expect(close()).toBe(true);
    await vi.waitFor(() => expect(calls).toEqual(['ask', 'stop', 'stopped', 'close']));
    // The close that follows goes through.
    expect(close()).toBe(false);
  });
});

describe('createMainWindow', () => {
  it('opens a sandboxed window that asks before closing during a run', async () => {
    const dir = await tempDir();
    const stateFile = join(dir, 'window.json');
    await writeFile(
      stateFile,
      JSON.stringify({ bounds: { x: 100, y: 50, width: 1000, height: 760 }, maximized: false }),
    );
    let busy = true;
    const stopJob = vi.fn(async () => {
      busy = false;
    });
    const service = {
      get busy() {
        return busy;
      },
      stopJob,
    } as unknown as StudioService;

    const window = (await createMainWindow(service, stateFile)) as unknown as FakeWindow;
    expect(window.options).toMatchObject({ x: 100, y: 50, width: 1000, height: 760 });
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(String(window.options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/);

    window.close();
    expect(window.closed).toBe(false);
    await vi.waitFor(() => expect(stopJob).toHaveBeenCalled());
    expect(electron.showMessageBox).toHaveBeenCalledWith(
      window,
      expect.objectContaining({ message: 'A run is in progress. Cancel it and close?', buttons: ['Cancel', 'Close'] }),
    );
    expect(stopJob).toHaveBeenCalled();
    await vi.waitFor(() => expect(window.closed).toBe(true));
    await vi.waitFor(async () => {
      expect(JSON.parse(await readFile(stateFile, 'utf8'))).toEqual({
        bounds: { x: 10, y: 20, width: 900, height: 700 },
        maximized: false,
      });
    });
  });
});

describe('initialBounds', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('restores saved bounds that are on a screen, and only the size of those that are not', () => {
    expect(initialBounds(null, screen)).toEqual({ width: 1200, height: 820 });
    expect(initialBounds({ bounds: { x: 40, y: 40, width: 800, height: 600 }, maximized: false }, screen)).toEqual({
      x: 40,
      y: 40,
      width: 800,
      height: 600,
    });
    expect(initialBounds({ bounds: { x: 3000, y: 40, width: 800, height: 600 }, maximized: false }, screen)).toEqual({
      width: 800,
      height: 600,
    });
  });
});
