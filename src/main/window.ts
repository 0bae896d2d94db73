import { join } from 'node:path';
import { BrowserWindow, dialog, screen, shell } from 'electron';
import { closeGuard } from './closeGuard';
import type { StudioService } from './studioService';
import { initialBounds, readWindowState, writeWindowState } from './windowState';

/**
 * The app's one window, not yet showing the renderer (connect IPC first, then `loadRenderer`): sandboxed, no navigation
 * away from the app, its size and place remembered, and it asks before closing during a run.
 */
export async function createMainWindow(service: StudioService, stateFile: string): Promise<BrowserWindow> {
  const saved = await readWindowState(stateFile);
  const window = new BrowserWindow({
    ...initialBounds(saved, screen.getAllDisplays().map((display) => display.workArea)),
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Embedding Studio',
    // Linux shows it in the task bar; macOS and Windows take the packaged app's icon.
    icon: join(import.meta.dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  if (saved?.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());

  window.on(
    'close',
    closeGuard({
      isBusy: () => service.busy,
      confirm: () => confirmCancelRun(window),
      stopRun: () => service.stopJob(),
      close: () => window.close(),
    }),
  );
  window.on('close', () => {
    void writeWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() }).catch(() => undefined);
  });

  return window;
}

/** Loads the renderer: the dev server's page under `electron-vite dev`, the built one otherwise. */
export async function loadRenderer(window: BrowserWindow): Promise<void> {
  if (process.env.ELECTRON_RENDERER_URL) await window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
}

async function confirmCancelRun(window: BrowserWindow): Promise<boolean> {
  const { response } = await dialog.showMessageBox(window, {
    type: 'warning',
    message: 'A run is in progress. Cancel it and close?',
    detail: 'The embeddings written so far are discarded.',
    buttons: ['Cancel', 'Close'],
    defaultId: 0,
    cancelId: 0,
  });
  return response === 1;
}
