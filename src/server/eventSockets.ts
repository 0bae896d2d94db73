import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { EventName, EventPayloads, ServeEventMessage, StudioBackend } from '#shared/contract';
import { SERVE } from '#shared/protocol';

/** How often a connection must answer a ping; one that missed a whole period is dropped with its subscription. */
const HEARTBEAT_MS = 30_000;

/** After this, connections that did not finish the closing handshake are cut. */
const CLOSE_GRACE_MS = 2_000;

/** The WebSockets on SERVE.eventsPath: each one subscribes to the backend's events and forwards them as JSON. */
export class EventSockets {
  readonly #server = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    // The page asks for this subprotocol beside the one carrying its token; the answer names only this one.
    handleProtocols: (protocols) => (protocols.has(SERVE.eventsProtocol) ? SERVE.eventsProtocol : false),
  });
  readonly #alive = new WeakSet<WebSocket>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly backend: StudioBackend) {
    this.#heartbeat = setInterval(() => this.#checkAlive(), HEARTBEAT_MS).unref();
  }

  /** Completes an upgrade that has already been authorized. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (connection) => this.#serve(connection));
  }

  /** Says goodbye to every connection (1001, going away), and cuts those that do not answer in time. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const connection of this.#server.clients) connection.close(1001, 'Embedding Studio is shutting down');
    const cut = setTimeout(() => {
      for (const connection of this.#server.clients) connection.terminate();
    }, CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    clearTimeout(cut);
  }

  #serve(connection: WebSocket): void {
    this.#alive.add(connection);
    connection.on('pong', () => this.#alive.add(connection));
    const unsubscribe = this.backend.subscribe(<E extends EventName>(event: E, payload: EventPayloads[E]) => {
      if (connection.readyState !== WebSocket.OPEN) return;
      const message: ServeEventMessage<E> = { event, payload };
      connection.send(JSON.stringify(message));
    });
    connection.on('close', unsubscribe);
    connection.on('error', () => connection.terminate());
  }

  #checkAlive(): void {
    for (const connection of this.#server.clients) {
      if (!this.#alive.has(connection)) {
        connection.terminate();
        continue;
      }
      this.#alive.delete(connection);
      connection.ping();
    }
  }
}
