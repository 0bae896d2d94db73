import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const E2E_PORT = 5317;
export const E2E_TOKEN = 'e2e-token-not-secret';
export const FIXTURES_FILE = resolve('test-results/e2e-fixtures.json');

/** Files the global setup makes for the tests: a real test model and inputs. */
export interface E2eFixtures {
  dir: string;
  model: string;
  notAModel: string;
  /** Some thousands of lines, a few blank: a run of a few seconds. */
  input: string;
  inputLines: number;
  embeddableLines: number;
  /** Long enough to cancel mid-run and to see the charts move. */
  bigInput: string;
  /** The test model on a local HTTP server that holds its download halfway until `POST <modelServer>/release`. */
  modelUrl: string;
  modelServer: string;
}

export function loadFixtures(): E2eFixtures {
  return JSON.parse(readFileSync(FIXTURES_FILE, 'utf8')) as E2eFixtures;
}

export function chromiumPath(): string {
  return (
    process.env.CHROMIUM_PATH ??
    (existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium')
  );
}
