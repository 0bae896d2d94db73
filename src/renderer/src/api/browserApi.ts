import type {
  EventName,
  EventPayloads,
  Reply,
  ReplyError,
  RequestName,
  RequestParams,
  RequestResult,
  ServeRequestBody,
  StudioApi,
} from '#shared/contract';
import { isEventName, SERVE } from '#shared/protocol';

/** What the events connection needs from a WebSocket; the browser's own, or a fake in tests. */
export type EventSocket = Pick<WebSocket, 'onopen' | 'onmessage' | 'onclose' | 'close'>;

export interface BrowserApiOptions {
  location: Pick<Location, 'href' | 'host' | 'protocol'>;
  /** Used to take the token out of the address bar once read. */
  history?: Pick<History, 'replaceState'>;
  /** Keeps the token for a reload of the page (sessionStorage: this tab, this origin and so this port only). */
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  fetch?: typeof fetch;
  openSocket?: (url: string, protocols: string[]) => EventSocket;
  reconnectMs?: { first: number; max: number };
}

type Listener = (payload: unknown) => void;

const TOKEN_KEY = 'embedding-studio-token';

const DISCONNECTED: ReplyError = {
  code: 'DISCONNECTED',
  message: 'Cannot reach the Embedding Studio server.',
  hint: 'Check that the serve command is still running, then try again.',
};

const UNAUTHORIZED: ReplyError = {
  code: 'UNAUTHORIZED',
  message: 'The server did not accept this page’s access token.',
  hint: 'Open the address the serve command printed (it includes the token) again.',
};

/** Serve mode's client: requests over `POST /api/request`, events from one shared WebSocket that reconnects. */
export function createBrowserApi(options: BrowserApiOptions): StudioApi {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const openSocket = options.openSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols));
  const backoff = options.reconnectMs ?? { first: 500, max: 10_000 };
  const token = takeToken(options);

  const listeners = new Map<EventName, Set<Listener>>();
  let socket: EventSocket | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;

  async function request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<Reply<RequestResult<K>>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers[SERVE.tokenHeader] = token;
    const body: ServeRequestBody = { name, params };
    let response: Response;
    try {
      response = await fetchImpl(SERVE.requestPath, { method: 'POST', headers, body: JSON.stringify(body) });
    } catch {
      return { ok: false, error: DISCONNECTED };
    }
    const text = await response.text().catch(() => '');
    const reply = parseJson(text);
    if (isReply(reply)) return reply as Reply<RequestResult<K>>;
    if (response.status === 401) return { ok: false, error: UNAUTHORIZED };
    if (response.status === 403)
      return { ok: false, error: { ...UNAUTHORIZED, code: 'FORBIDDEN', message: text || UNAUTHORIZED.message } };
    return {
      ok: false,
      error: {
        ...DISCONNECTED,
        message: `The Embedding Studio server answered with HTTP ${response.status} and no result.`,
      },
    };
  }

  function dispatch(event: EventName, payload: unknown): void {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  }

  function connect(): void {
    const scheme = options.location.protocol === 'https:' ? 'wss:' : 'ws:';
    // A page cannot set a WebSocket's headers: the token goes as a subprotocol, beside the one the server picks.
    const protocols = [SERVE.eventsProtocol, ...(token ? [SERVE.tokenProtocolPrefix + token] : [])];
    const current = openSocket(`${scheme}//${options.location.host}${SERVE.eventsPath}`, protocols);
    socket = current;
    current.onopen = () => {
      failures = 0;
      // Events sent while the socket was down are lost: catch up on the job's state.
      void request('job:state', {}).then((reply) => {
        if (reply.ok) dispatch('job:state', reply.value);
      });
    };
    current.onmessage = (event) => {
      const message = parseMessage(event.data);
      if (message) dispatch(message.event, message.payload);
    };
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      const delay = Math.min(backoff.max, backoff.first * 2 ** failures);
      failures += 1;
      reconnectTimer = setTimeout(() => {
        reconnectTimer = null;
        connect();
      }, delay);
    };
  }

  function disconnect(): void {
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    const current = socket;
    socket = null;
    current?.close();
  }

  function on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    const entry = listener as Listener;
    set.add(entry);
    if (!socket && !reconnectTimer) connect();
    return () => {
      set.delete(entry);
      if ([...listeners.values()].every((each) => each.size === 0)) disconnect();
    };
  }

  return { host: 'browser', request, on, pathForFile: () => null };
}

/** The token from the address's fragment (`#token=…`), which is then taken out of the address bar, or the one kept. */
function takeToken({ location, history, storage }: BrowserApiOptions): string | null {
  const url = new URL(location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const token = fragment.get(SERVE.tokenFragment);
  if (!token) return storage?.getItem(TOKEN_KEY) ?? null;
  storage?.setItem(TOKEN_KEY, token);
  if (history) {
    fragment.delete(SERVE.tokenFragment);
    const rest = fragment.toString();
    history.replaceState(null, '', url.pathname + url.search + (rest ? `#${rest}` : ''));
  }
  return token;
}

function isReply(value: unknown): value is Reply<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function parseMessage(data: unknown): { event: EventName; payload: unknown } | null {
  const message = typeof data === 'string' ? parseJson(data) : null;
  if (typeof message !== 'object' || message === null || !('event' in message) || !('payload' in message)) return null;
  return isEventName(message.event) ? { event: message.event, payload: message.payload } : null;
}
