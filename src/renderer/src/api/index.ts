import type { StudioApi } from '#shared/contract';
import { createBrowserApi } from './browserApi';

/** The Electron preload's API when there is one, otherwise the HTTP + WebSocket client of serve mode. */
export function getStudioApi(): StudioApi {
  if (window.studio) return window.studio;
  return createBrowserApi({ location: window.location, history: window.history, storage: window.sessionStorage });
}
