import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SERVE } from '../shared/protocol';

/** Characters a token may have: it travels unescaped in a URL query and a cookie. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

export type AccessDecision =
  | { allowed: true; tokenFromQuery: boolean }
  | { allowed: false; status: 401 | 403; reason: string };

/** Decides who may talk to the server: a request for 127.0.0.1 or localhost on our port, carrying the token. */
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
  hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host?.toLowerCase();
    return host !== undefined && this.#hosts.has(host);
  }

  /**
   * A page on another port of 127.0.0.1 is another origin but the same site, so the SameSite cookie still reaches
   * us from it: what it sends must be refused by its Origin header.
   */
  sameOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === undefined || origin.toLowerCase() === `http://${request.headers.host?.toLowerCase()}`;
  }

  check(request: IncomingMessage, url: URL): AccessDecision {
    if (!this.hostAllowed(request)) {
      return { allowed: false, status: 403, reason: 'Forbidden: this server only answers requests for 127.0.0.1 or localhost on its own port.' };
    }
    const queryToken = url.searchParams.get(SERVE.tokenQuery);
    if (queryToken !== null && this.#matches(queryToken)) return { allowed: true, tokenFromQuery: true };
    const headerToken = request.headers[SERVE.tokenHeader];
    const others = [...cookieValues(request.headers.cookie, SERVE.tokenCookie), ...(typeof headerToken === 'string' ? [headerToken] : [])];
    if (others.some((token) => this.#matches(token))) return { allowed: true, tokenFromQuery: false };
    return {
      allowed: false,
      status: 401,
      reason: 'Unauthorized: open the URL with the access token that `npm run serve` printed when it started.',
    };
  }

  #matches(token: string): boolean {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the length of the token sent.
    return timingSafeEqual(digest(token), this.#tokenDigest);
  }
}

/** 32 random bytes, base64url: 256 bits nobody can guess, safe in a URL and a cookie. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie that hands the token over from the URL to every later request of the page. */
export function tokenCookie(token: string): string {
  return `${SERVE.tokenCookie}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) values.push(pair.slice(separator + 1).trim());
  }
  return values;
}
