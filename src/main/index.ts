import { join } from 'node:path';
import { app, dialog, type BrowserWindow } from 'electron';
import { errorMessage } from '#core/errors';
import { electronDialogs } from './dialogs';
import { connectWindow } from './ipc';
import { utilityProbeLauncher } from './probeLauncher';
import { guardWebContents } from './security';
import { StudioService } from '#host/studioService';
import { createMainWindow, loadRenderer, rendererUrl } from './window';

function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  let window: BrowserWindow | null = null;
  let service: StudioService | null = null;
  let disposed = false;

  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  guardWebContents();
  // Quit only once the job is stopped and the model unloaded; the window has already asked about a running job.
  app.on('will-quit', (event) => {
    if (!service || disposed) return;
    event.preventDefault();
    void service.dispose().finally(() => {
      disposed = true;
      app.quit();
    });
  });

  void app
    .whenReady()
    .then(async () => {
      const userData = app.getPath('userData');
      service = new StudioService({
        dialogs: electronDialogs(() => window),
        settingsFile: join(userData, 'settings.json'),
        // Built beside this file by electron-vite (see electron.vite.config.ts).
        probeWorker: utilityProbeLauncher(join(import.meta.dirname, 'modelProbeWorker.js')),
      });
      const created = await createMainWindow(service, join(userData, 'window.json'));
      window = created;
      const disconnect = connectWindow(service, created, rendererUrl());
      created.on('closed', () => {
        disconnect();
        window = null;
      });
      await loadRenderer(created);
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Embedding Studio could not start', errorMessage(error));
      app.quit();
    });
}

start();
