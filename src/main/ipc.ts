import { ipcMain, type BrowserWindow } from 'electron';
import { type Reply, type StudioBackend } from '../shared/contract';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../shared/protocol';

/**
 * Connects the window to the service: its requests (and only its: other web contents are refused) go to
 * `service.handle`, and every service event is sent to it. Returns the function that disconnects them.
 */
export function connectWindow(service: StudioBackend, window: BrowserWindow): () => void {
  const contents = window.webContents;
  ipcMain.handle(REQUEST_CHANNEL, (event, name: unknown, params: unknown): Promise<Reply<unknown>> | Reply<unknown> => {
    if (event.sender !== contents) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'Requests are only taken from the Embedding Studio window.' } };
    }
    if (typeof name !== 'string') return { ok: false, error: { code: 'INVALID_REQUEST', message: 'The request name must be a string.' } };
    return service.handle(name, params);
  });
  const unsubscribe = service.subscribe((event, payload) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, payload);
  });
  return () => {
    ipcMain.removeHandler(REQUEST_CHANNEL);
    unsubscribe();
  };
}
