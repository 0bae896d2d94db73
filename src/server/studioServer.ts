import { createReadStream } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Reply, type StudioBackend } from '#shared/contract';
import { SERVE } from '#shared/protocol';
import { AccessPolicy, TOKEN_PATTERN } from './access';
import { EventSockets } from './eventSockets';
import { MAX_BODY_BYTES, readBody } from './requestBody';
import { SECURITY_HEADERS } from './securityHeaders';
import { findStaticFile } from './staticFiles';

export interface StudioServerOptions {
  backend: StudioBackend;
  /** The built renderer: index.html and its assets. */
  rendererDir: string;
  /** 0 lets the system pick a free port. */
  port: number;
  /** The access token every engine request and events connection must carry (TOKEN_PATTERN). */
  token: string;
}

export interface StudioServer {
  /** The address to open, the token in its fragment. */
  url: string;
  port: number;
  /** Where it listens: always 127.0.0.1. */
  address: AddressInfo;
  /** Stops listening, closes every connection, and resolves once they are all gone. */
  close(): Promise<void>;
}

/** The only interface listened on: serve mode is reached from elsewhere through an SSH tunnel, never directly. */
const HOST = '127.0.0.1';

/** Serves the engine's contract over HTTP and a WebSocket, and the built renderer, to holders of the token. */
export async function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  if (!TOKEN_PATTERN.test(options.token))
    throw new Error('the access token must be 16-512 characters: letters, digits, - _ . ~');
  const server = createServer();
  const address = await listen(server, options.port);
  const port = address.port;
  const access = new AccessPolicy(options.token, port);
  const events = new EventSockets(options.backend);

  const handleRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const url = parseUrl(request);
    if (url === null) return sendText(response, 400, 'Bad request: the URL cannot be read.');
    const host = access.checkHost(request);
    if (!host.allowed) return sendText(response, host.status, host.reason);

    if (url.pathname === SERVE.requestPath) {
      const token = access.checkRequest(request);
      if (!token.allowed) return sendText(response, token.status, token.reason);
      if (request.method !== 'POST')
        return sendText(response, 405, 'Method not allowed: send requests with POST.', { Allow: 'POST' });
      if (!access.sameOrigin(request))
        return sendText(response, 403, 'Forbidden: requests from another origin are refused.');
      const { status, reply } = await answerRequest(options.backend, request);
      return sendJson(response, status, reply);
    }
    if (url.pathname === SERVE.eventsPath)
      return sendText(response, 426, 'Upgrade required: events are sent over a WebSocket.', { Upgrade: 'websocket' });
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendText(response, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    const file = await findStaticFile(options.rendererDir, url.pathname);
    if (!file.found) return sendText(response, file.status, file.reason);
    response.writeHead(200, file.headers);
    if (request.method === 'HEAD') response.end();
    else await pipeline(createReadStream(file.path), response);
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch(() => {
      if (response.headersSent) response.destroy();
      else sendText(response, 500, 'Internal server error.');
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = parseUrl(request);
    if (url === null) return refuseUpgrade(socket, 400, 'Bad request: the URL cannot be read.');
    for (const decision of [access.checkHost(request), access.checkUpgrade(request)]) {
      if (!decision.allowed) return refuseUpgrade(socket, decision.status, decision.reason);
    }
    if (!access.sameOrigin(request))
      return refuseUpgrade(socket, 403, 'Forbidden: connections from another origin are refused.');
    if (url.pathname !== SERVE.eventsPath) return refuseUpgrade(socket, 404, 'Not found.');
    events.accept(request, socket, head);
  });

  return {
    url: `http://${HOST}:${port}/#${SERVE.tokenFragment}=${options.token}`,
    port,
    address,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await events.close();
      await closed;
    },
  };
}

function listen(server: Server, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function parseUrl(request: IncomingMessage): URL | null {
  try {
    return new URL(request.url ?? '/', `http://${HOST}`);
  } catch {
    return null;
  }
}

/** Reads `{name, params}` and hands it to the backend; a body that is not one is answered like a bad request. */
async function answerRequest(
  backend: StudioBackend,
  request: IncomingMessage,
): Promise<{ status: number; reply: Reply<unknown> }> {
  const body = await readBody(request);
  if (!body.ok)
    return {
      status: 413,
      reply: invalidRequest(`the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`),
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return { status: 400, reply: invalidRequest('the request body is not valid JSON') };
  }
  if (typeof parsed !== 'object' || parsed === null || !('name' in parsed) || typeof parsed.name !== 'string') {
    return {
      status: 400,
      reply: invalidRequest('the request body must be a JSON object {"name": string, "params": ...}'),
    };
  }
  try {
    return { status: 200, reply: await backend.handle(parsed.name, 'params' in parsed ? parsed.params : undefined) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: 500,
      reply: { ok: false, error: { code: 'INTERNAL', message: `the request failed unexpectedly: ${message}` } },
    };
  }
}

function invalidRequest(message: string): Reply<never> {
  return {
    ok: false,
    error: {
      code: 'INVALID_REQUEST',
      message,
      hint: `POST ${SERVE.requestPath} takes a JSON body {"name", "params"}.`,
    },
  };
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: Reply<unknown>): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

/** Answers an upgrade request that will not become a WebSocket: a plain HTTP response on the raw socket. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}\r\n${body}`);
}
