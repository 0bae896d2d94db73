import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { newAccessToken, TOKEN_PATTERN } from './access';
import { HELP, parseServeArgs, ServeUsageError, TOKEN_ENV, type ServeCommandLine } from './args';
import { stopSignal } from './stopSignal';
import { startStudioServer, type StudioServer } from './studioServer';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function reportError(message: string, hint: string): void {
  process.stderr.write(`error: ${message}\nhint: ${hint}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: ServeCommandLine;
  try {
    commandLine = parseServeArgs(argv);
  } catch (error) {
    if (!(error instanceof ServeUsageError)) throw error;
    reportError(error.message, error.hint);
    return EXIT.usage;
  }
  if (commandLine.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  const { port, rendererDir, settingsFile } = commandLine;
  const indexFile = join(rendererDir, 'index.html');
  if (!existsSync(indexFile)) {
    reportError(
      'the app is not built: run npm run serve (which builds it) or npx electron-vite build',
      `There is no ${indexFile}.`,
    );
    return EXIT.failed;
  }
  const envToken = process.env[TOKEN_ENV];
  if (envToken !== undefined && envToken !== '' && !TOKEN_PATTERN.test(envToken)) {
    reportError(
      `${TOKEN_ENV} is not a usable access token`,
      'Use 16-512 characters: letters, digits, - _ . ~ (or unset it for a random one).',
    );
    return EXIT.usage;
  }
  const token = envToken !== undefined && envToken !== '' ? envToken : newAccessToken();
  await mkdir(dirname(settingsFile), { recursive: true });

  // Loaded only now: it brings in the engine and node-llama-cpp, which --help and a bad command line do not need.
  const { StudioService } = await import('#host/studioService');
  const { probeWorkerIn } = await import('#core/modelProbe');
  // The worker electron-vite built beside the app's main process (npm run serve builds it first).
  const probeWorker = probeWorkerIn(join(import.meta.dirname, '..', '..', 'out', 'main'));
  const service = new StudioService({ dialogs: null, settingsFile, probeWorker });
  let server: StudioServer;
  try {
    server = await startStudioServer({ backend: service, rendererDir, port, token });
  } catch (error) {
    await service.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      reportError(
        `port ${port} is in use; pass --port N`,
        'Another program, or another npm run serve, listens there; --port 0 picks any free port.',
      );
    else if (code === 'EACCES')
      reportError(
        `port ${port} is not allowed here; pass --port N`,
        'Ports below 1024 need special rights; --port 0 picks any free port.',
      );
    else throw error;
    return EXIT.failed;
  }
  process.stdout.write(`Embedding Studio is serving at ${server.url}\n`);
  process.stdout.write(
    `From another machine: ssh -N -L ${server.port}:127.0.0.1:${server.port} ${hostname()}, then open the same URL there (keep the port number).\n`,
  );

  await stopSignal();
  process.stderr.write(service.busy ? 'Stopping: cancelling the running job...\n' : 'Stopping...\n');
  // The server goes first so that no request can start a job while the service is being disposed.
  await server.close();
  await service.dispose();
  return EXIT.ok;
}

// An explicit exit: a stopped server must end even if the engine left a native handle open.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    reportError(
      error instanceof Error ? error.message : String(error),
      'This is a bug in Embedding Studio; please report it with the command line you ran.',
    );
    process.exit(EXIT.failed);
  },
);
