import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, dialog, screen } from 'electron';
import { closeGuard } from './closeGuard';
import type { StudioService } from '#host/studioService';
import { initialBounds, readWindowState, writeWindowState } from './windowState';

/**
 * The app's one window, not yet showing the renderer (connect IPC first, then `loadRenderer`): sandboxed (no new
 * windows or navigation away from the app: see security.ts), its size and place remembered, and it asks before closing
 * during a run.
 */
export async function createMainWindow(service: StudioService, stateFile: string): Promise<BrowserWindow> {
  const saved = await readWindowState(stateFile);
  const window = new BrowserWindow({
    ...initialBounds(
      saved,
      screen.getAllDisplays().map((display) => display.workArea),
    ),
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
    void writeWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() }).catch(
      () => undefined,
    );
  });

  return window;
}

/** The renderer's page: the dev server's under `electron-vite dev`, the built one otherwise. */
export function rendererUrl(): string {
  return process.env.ELECTRON_RENDERER_URL || pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href;
}

export async function loadRenderer(window: BrowserWindow): Promise<void> {
  await window.loadURL(rendererUrl());
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
