import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the server misbehaves, changeable between requests. */
export interface ServerBehaviour {
  /** Cut every response at this byte of the file by dropping the connection. */
  dropAt?: number;
  /** Drop only the first response that crosses `dropAt`, then serve normally. */
  dropOnce?: boolean;
  /** Send the bytes before this one, then wait for `release()` before sending the rest. */
  holdAt?: number;
  /** Leave out Accept-Ranges and ignore Range headers. */
  noRanges?: boolean;
}

export interface ServedRequest {
  path: string;
  range: string | null;
  /** Body bytes written. */
  bytes: number;
}

export interface ModelServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The URL of a served file. */
  url(name: string): string;
  behaviour: ServerBehaviour;
  requests: ServedRequest[];
  /** Lets the responses held so far go on; later ones are held again. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server for download tests on 127.0.0.1: serves `files` by name under `/files/<name>` and at
 * Hugging Face's `/<owner>/<repo>/resolve/<branch>/<name>` paths (for `HF_ENDPOINT`), with byte ranges, and can drop
 * or hold connections mid-file; `POST /release` releases held responses from another process. Anything else is a 404.
 */
export async function startModelServer(files: Record<string, Buffer>): Promise<ModelServer> {
  const requests: ServedRequest[] = [];
  const sockets = new Set<Socket>();
  let gate = openLater();
  const server: ModelServer = {
    origin: '',
    url: (name) => `${server.origin}/files/${encodeURIComponent(name)}`,
    behaviour: {},
    requests,
    release: () => {
      gate.open();
      gate = openLater();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/release' && request.method === 'POST') {
      server.release();
      response.writeHead(204).end();
      return;
    }
    const name =
      /^\/files\/([^/]+)$/.exec(path)?.[1] ?? /^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(?:.*\/)?([^/]+)$/.exec(path)?.[1];
    const body = name === undefined ? undefined : files[name];
    const served: ServedRequest = { path, range: request.headers.range ?? null, bytes: 0 };
    requests.push(served);
    if (!body) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const { behaviour } = server;
    const range = behaviour.noRanges ? null : /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(body.length, Number(range[2]) + 1) : body.length;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': end - start,
    };
    if (!behaviour.noRanges) headers['accept-ranges'] = 'bytes';
    if (range) headers['content-range'] = `bytes ${start}-${end - 1}/${body.length}`;
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === 'HEAD') return void response.end();

    const write = (from: number, to: number): Promise<void> =>
      new Promise((resolve) => {
        served.bytes += Math.max(0, to - from);
        if (to <= from || response.write(body.subarray(from, to))) resolve();
        else response.once('drain', resolve);
      });
    const dropAt = behaviour.dropAt;
    if (dropAt !== undefined && start < dropAt && end > dropAt) {
      if (behaviour.dropOnce) behaviour.dropAt = undefined;
      await write(start, dropAt);
      setTimeout(() => response.destroy(), 20);
      return;
    }
    const holdAt = behaviour.holdAt;
    if (holdAt !== undefined && start < holdAt && end > holdAt) {
      const opened = gate.opened;
      await write(start, holdAt);
      await opened;
      await write(holdAt, end);
    } else {
      await write(start, end);
    }
    response.end();
  }

  const http = createServer((request, response) => void serve(request, response));
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return server;
}

function openLater(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
