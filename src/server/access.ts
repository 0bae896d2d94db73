import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SERVE } from '#shared/protocol';

/** Characters a token may have: it travels unescaped in a URL fragment, a header and a WebSocket subprotocol. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

const UNAUTHORIZED: AccessDecision = {
  allowed: false,
  status: 401,
  reason: 'Unauthorized: open the URL with the access token that `npm run serve` printed when it started.',
};

/**
 * Decides who may talk to the server: a request for 127.0.0.1 or localhost on our port and, for the engine's requests
 * and events, carrying the token. The page and its assets are the app's code, nothing of the user's: they are served
 * without it, since a browser loads them without any header the page could add.
 */
export class AccessPolicy {
  readonly #tokenDigest: Buffer;
  readonly #hosts: ReadonlySet<string>;

  constructor(token: string, port: number) {
    this.#tokenDigest = digest(token);
    this.#hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  }

  /**
   * A page on any site can point a browser at 127.0.0.1, or at a name it resolves there (DNS rebinding); the Host
   * header is the one thing such a page cannot forge.
   */
  checkHost(request: IncomingMessage): AccessDecision {
    const host = request.headers.host?.toLowerCase();
    if (host !== undefined && this.#hosts.has(host)) return { allowed: true };
    return {
      allowed: false,
      status: 403,
      reason: 'Forbidden: this server only answers requests for 127.0.0.1 or localhost on its own port.',
    };
  }

  /** A page of another origin (another port of 127.0.0.1 included) is refused by its Origin header. */
  sameOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === undefined || origin.toLowerCase() === `http://${request.headers.host?.toLowerCase()}`;
  }

  /** An engine request: the token in its header. */
  checkRequest(request: IncomingMessage): AccessDecision {
    const token = request.headers[SERVE.tokenHeader];
    return typeof token === 'string' && this.#matches(token) ? { allowed: true } : UNAUTHORIZED;
  }

  /** The events WebSocket: the token as one of the subprotocols it asks for. */
  checkUpgrade(request: IncomingMessage): AccessDecision {
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((each) => each.trim());
    const tokens = protocols
      .filter((each) => each.startsWith(SERVE.tokenProtocolPrefix))
      .map((each) => each.slice(SERVE.tokenProtocolPrefix.length));
    return tokens.some((token) => this.#matches(token)) ? { allowed: true } : UNAUTHORIZED;
  }

  #matches(token: string): boolean {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the length of the token sent.
    return timingSafeEqual(digest(token), this.#tokenDigest);
  }
}

/** 32 random bytes, base64url: 256 bits nobody can guess, safe in a URL, a header and a subprotocol. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
