/**
 * The wire-level constants of the contract: Electron IPC channel names, serve mode's paths and token names, the event
 * names and their pace. Kept apart from contract.ts so the sandboxed preload and the renderer can import them without
 * bundling zod and the request schemas.
 */
import type { EventName } from './contract';

export const REQUEST_CHANNEL = 'studio:request';
export const EVENT_CHANNEL = 'studio:event';

export const EVENT_NAMES: readonly EventName[] = [
  'job:progress',
  'job:metrics',
  'job:log',
  'job:state',
  'models:download',
  'model:notice',
  'explore:mapProgress',
  'explore:indexProgress',
  'explore:duplicatesProgress',
];

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/**
 * Progress, metrics, log and download events reach the renderer at most this often, whatever the engine's speed. Four
 * a second look live; ten cost a 2-core machine a few percent of its embedding throughput (npm run bench:ui).
 */
export const EVENT_INTERVAL_MS = 250;

/**
 * Serve mode's wire protocol: `POST /api/request` with `{name, params}` answers a Reply as JSON; a WebSocket on
 * `/api/events` carries `{event, payload}` messages. The address the server prints carries the access token in its
 * fragment (`#token=…`, which the browser never sends); the page keeps it in sessionStorage, which is per origin and so
 * per port, and sends it in the header with every request, and as a WebSocket subprotocol (`token.…`, beside
 * `embedding-studio`, which the server picks) when it opens the events connection, since a page cannot set a
 * WebSocket's headers. No cookie: cookies are not kept apart by port.
 */
export const SERVE = {
  requestPath: '/api/request',
  eventsPath: '/api/events',
  tokenFragment: 'token',
  tokenHeader: 'x-studio-token',
  eventsProtocol: 'embedding-studio',
  tokenProtocolPrefix: 'token.',
} as const;
