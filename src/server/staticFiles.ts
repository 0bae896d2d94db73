import { stat } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type StaticFile =
  { found: true; path: string; headers: OutgoingHttpHeaders } | { found: false; status: 400 | 404; reason: string };

/**
 * Finds the file of the built renderer a URL path names, never one outside `rootDir`: the path is decoded, resolved
 * and then checked to still lie inside it.
 */
export async function findStaticFile(rootDir: string, pathname: string): Promise<StaticFile> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { found: false, status: 400, reason: 'Bad request: the path is not valid percent-encoding.' };
  }
  if (decoded.includes('\0'))
    return { found: false, status: 400, reason: 'Bad request: the path contains a NUL byte.' };
  const root = resolve(rootDir);
  const path = resolve(root, `.${sep}${decoded === '/' ? 'index.html' : decoded}`);
  const inside = relative(root, path);
  const notFound = { found: false, status: 404, reason: 'Not found.' } as const;
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return notFound;
  const stats = await stat(path).catch(() => null);
  if (stats === null || !stats.isFile()) return notFound;
  const extension = extname(path).toLowerCase();
  return {
    found: true,
    path,
    headers: {
      'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'Content-Length': stats.size,
      // The page names the hashed assets of one build, so a stale copy of it would load another build's files.
      'Cache-Control': extension === '.html' ? 'no-store' : 'no-cache',
    },
  };
}
