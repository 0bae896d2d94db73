import type { StudioApi } from '#shared/contract';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in serve mode, where the browser client is used instead. */
    studio?: StudioApi;
  }
}
