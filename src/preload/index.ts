import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EventName, EventPayloads, StudioApi } from '#shared/contract';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '#shared/protocol';

/** The renderer's only way to the engine: the contract's requests and events over IPC, and dropped files' paths. */
const api: StudioApi = {
  host: 'electron',
  request: (name, params) => ipcRenderer.invoke(REQUEST_CHANNEL, name, params),
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (name === event) listener(payload as EventPayloads[E]);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  pathForFile: (file) => webUtils.getPathForFile(file) || null,
};

contextBridge.exposeInMainWorld('studio', api);
