#!/usr/bin/env node
// The `embedding-studio` command (npx embedding-studio, npm i -g): runs the command line's bundle, which
// `npm run build:cli` builds (and npm ci and npm pack run it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../out/cli/index.js', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  process.stderr.write(
    `error: the command line is not built here: ${fileURLToPath(bundle)} is missing\n` +
      'hint: Run npm run build:cli in the checkout once (npm run cli builds it by itself).\n',
  );
  process.exitCode = 1;
}
