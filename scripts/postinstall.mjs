// postinstall: in a checkout, patch node-llama-cpp's addon source (patches/node-llama-cpp/) for npm run build:engine.
// Installed as a package (npm i -g, npx) there is neither patch-package, a devDependency, nor build:engine to need the
// patch, and node-llama-cpp may live in a folder above: nothing to do, and the install goes on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const patchPackage = join('node_modules', 'patch-package', 'index.js');
if (existsSync(patchPackage) && existsSync(join('node_modules', 'node-llama-cpp'))) {
  const { status } = spawnSync(process.execPath, [patchPackage, '--patch-dir', join('patches', 'node-llama-cpp')], {
    stdio: 'inherit',
  });
  process.exitCode = status ?? 1;
}
