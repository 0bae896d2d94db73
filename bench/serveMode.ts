import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { chromiumPath } from '../e2e/fixtures';

/** Serve mode started from the source with its settings in `work`, and the address it serves at. */
export async function startServer(work: string, token: string): Promise<{ url: string; stop(): void }> {
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/server/index.ts', '--port', '0', '--settings', join(work, 'settings.json')],
    {
      env: { ...process.env, EMBEDDING_STUDIO_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => {
      const match = /serving at (\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`serve mode exited with ${code}`)));
  });
  return { url, stop: () => server.kill('SIGTERM') };
}

/** Debian's Chromium as the end-to-end tests launch it (no GPU: WebGL runs on its software renderer). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

/** Builds the renderer serve mode serves, where no build is there yet. */
export async function buildRendererOnce(): Promise<void> {
  if (!existsSync('out/renderer/index.html')) await promisify(execFile)('npx', ['electron-vite', 'build']);
}
