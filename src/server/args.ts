import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultSettingsFile } from '#host/settingsLocation';
import { LIMITS, limitRange, withinLimit } from '#shared/limits';

export const DEFAULT_PORT = LIMITS.port.example;

/** The renderer that `electron-vite build` writes, found from this file so the command works from any folder. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export const TOKEN_ENV = 'EMBEDDING_STUDIO_TOKEN';

export type ServeCommandLine =
  { help: true } | { help: false; port: number; rendererDir: string; settingsFile: string };

/** A command line that cannot be run, said as an error and a hint. */
export class ServeUsageError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export const HELP = `Embedding Studio, serve mode: run the engine without a window and use the app
in a browser, over HTTP and a WebSocket on 127.0.0.1 only.

Usage:
  npm run serve -- [--port <n>] [--renderer <dir>] [--settings <file>]
  npm run serve -- --help

It prints the URL to open, which carries an access token after its #: the page
keeps it for its tab (never in a cookie) and sends it with every request.
Anyone with the token can, as you, read the first lines of any file you can
read, write where you can write, and load, download and delete models: keep
it private. Ctrl-C stops the server, cancelling a running job (its unfinished
files are removed).

Options:
  --port <n>           Port on 127.0.0.1, ${LIMITS.port.min}-${LIMITS.port.max}; 0 picks a free one
                       (default: ${DEFAULT_PORT})
  --renderer <dir>     The built app to serve (default: out/renderer of this
                       checkout, which npm run serve builds)
  --settings <file>    Where the app's settings are kept (default:
                       ${defaultSettingsFile()})
  --help               Show this help

Environment:
  ${TOKEN_ENV}   Use this access token instead of a random one:
                           16-512 characters, letters, digits, - _ . ~

On a machine without a screen (a GPU box), forward the port over SSH from your
own machine, keeping the same port number, then open the printed URL there:
  ssh -N -L ${DEFAULT_PORT}:127.0.0.1:${DEFAULT_PORT} user@gpu-box`;

export function parseServeArgs(argv: readonly string[]): ServeCommandLine {
  let values: { port?: string; renderer?: string; settings?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        renderer: { type: 'string' },
        settings: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ServeUsageError(
      error instanceof Error ? error.message : String(error),
      'Run npm run serve -- --help to see the options.',
    );
  }
  if (values.help === true) return { help: true };
  return {
    help: false,
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    rendererDir:
      values.renderer === undefined ? DEFAULT_RENDERER_DIR : resolve(nonEmpty(values.renderer, '--renderer')),
    settingsFile:
      values.settings === undefined ? defaultSettingsFile() : resolve(nonEmpty(values.settings, '--settings')),
  };
}

function parsePort(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!withinLimit(LIMITS.port, port)) {
    throw new ServeUsageError(
      `--port must be ${limitRange(LIMITS.port)}, not "${text}"`,
      `For example: --port ${DEFAULT_PORT}, or --port 0 for any free port.`,
    );
  }
  return port;
}

function nonEmpty(text: string, option: string): string {
  if (text.trim() === '')
    throw new ServeUsageError(`${option} needs a path`, 'Run npm run serve -- --help to see the options.');
  return text;
}
