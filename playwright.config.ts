import { defineConfig } from '@playwright/test';
import { chromiumPath, E2E_PORT, E2E_TOKEN } from './e2e/fixtures';

/**
 * End-to-end tests: the built renderer in Debian's Chromium against serve mode (the real engine, a generated model),
 * and the Electron app itself where its binary is installed.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  outputDir: 'test-results/e2e',
  globalSetup: './e2e/globalSetup.ts',
  webServer: {
    command: `node --import tsx src/server/index.ts --port ${E2E_PORT} --settings test-results/e2e-settings.json`,
    url: `http://127.0.0.1:${E2E_PORT}/`,
    env: { EMBEDDING_STUDIO_TOKEN: E2E_TOKEN },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1400, height: 1000 },
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
