import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { type Reply, type StudioBackend } from '#shared/contract';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '#shared/protocol';

/**
 * Connects the window to the service: requests from its main frame showing the app's own page (`pageUrl`) go to
 * `service.handle`, and every service event is sent to it; other web contents, frames inside the page (an iframe) and
 * other pages are refused. Returns the function that disconnects them.
 */
export function connectWindow(service: StudioBackend, window: BrowserWindow, pageUrl: string): () => void {
  const contents = window.webContents;
  ipcMain.handle(REQUEST_CHANNEL, (event, name: unknown, params: unknown): Promise<Reply<unknown>> | Reply<unknown> => {
    if (!fromAppPage(event, contents, pageUrl)) {
      return {
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Requests are only taken from the Embedding Studio window.' },
      };
    }
    if (typeof name !== 'string')
      return { ok: false, error: { code: 'INVALID_REQUEST', message: 'The request name must be a string.' } };
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

/** Sent by the window, from its top frame (not a frame inside it), while that frame shows the app's page. */
function fromAppPage(event: IpcMainInvokeEvent, contents: WebContents, pageUrl: string): boolean {
  const frame = event.senderFrame;
  if (event.sender !== contents || !frame) return false;
  const main = contents.mainFrame;
  return frame.processId === main.processId && frame.routingId === main.routingId && samePage(frame.url, pageUrl);
}

/** Same document: scheme, host and path; the query and fragment may differ. */
function samePage(url: string, pageUrl: string): boolean {
  if (!URL.canParse(url) || !URL.canParse(pageUrl)) return false;
  const [a, b] = [new URL(url), new URL(pageUrl)];
  return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}
