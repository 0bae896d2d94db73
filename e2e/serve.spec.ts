import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { SERVE } from '#shared/protocol';
import { E2E_PORT, E2E_TOKEN, loadFixtures } from './fixtures';

/** Starts a second serve mode on a free port with its own token and settings; resolves with the URL it prints. */
function startSecondServer(dir: string, token: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/server/index.ts', '--port', '0', '--settings', join(dir, 'settings.json')],
    {
      env: { ...process.env, EMBEDDING_STUDIO_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = new Promise<string>((resolveUrl, reject) => {
    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /serving at (\S+)/.exec(printed);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`the second serve mode exited with ${code}`)));
  });
  return { child, url };
}

/** The models folder is shown in the Models view. */
async function showModels(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Models' }).click();
}

test('keeps the token out of cookies and the address, and two servers on two ports each take only their own', async ({
  page,
  context,
  request,
}) => {
  const modelsFolder = page.getByLabel('Models folder');
  await page.goto(`/#${SERVE.tokenFragment}=${E2E_TOKEN}`);
  await showModels(page);
  await expect(modelsFolder).toHaveValue(resolve('test-results/models'));
  expect(page.url()).toBe(`http://127.0.0.1:${E2E_PORT}/`);
  // A reload finds the token this tab kept.
  await page.reload();
  await showModels(page);
  await expect(modelsFolder).toHaveValue(resolve('test-results/models'));

  const withoutToken = await request.post(SERVE.requestPath, { data: { name: 'models:list', params: {} } });
  expect(withoutToken.status()).toBe(401);
  const withToken = await request.post(SERVE.requestPath, {
    data: { name: 'models:list', params: {} },
    headers: { [SERVE.tokenHeader]: E2E_TOKEN },
  });
  expect(withToken.status()).toBe(200);

  const dir = mkdtempSync(join(loadFixtures().dir, 'second-server-'));
  const second = startSecondServer(dir, 'second-e2e-token-not-secret');
  try {
    const url = await second.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=second-e2e-token-not-secret$/);
    const other = await context.newPage();
    await other.goto(url);
    await showModels(other);
    await expect(other.getByLabel('Models folder')).toHaveValue(join(dir, 'models'));
    // The first page, reloaded after the second opened, still reaches its own server with its own token.
    await page.reload();
    await showModels(page);
    await expect(modelsFolder).toHaveValue(resolve('test-results/models'));
    const wrongServer = await request.post(`${new URL(url).origin}${SERVE.requestPath}`, {
      data: { name: 'models:list', params: {} },
      headers: { [SERVE.tokenHeader]: E2E_TOKEN },
    });
    expect(wrongServer.status()).toBe(401);
    expect(await context.cookies()).toEqual([]);
  } finally {
    second.child.kill('SIGTERM');
  }
});
