import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The project's eslint.config.mjs as `npm run lint` reads it, less the type-checked rules: the files linted here are
// throwaway text at made-up paths inside src/, in no TypeScript project.
const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });

/** The layer rule's messages for `code` linted as if it were the file at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  // A file that does not parse, or that the config ignores, would pass unseen.
  expect(result?.messages.filter((m) => m.fatal === true || m.ruleId === null)).toEqual([]);
  const layerRules = ['no-restricted-imports', 'no-restricted-syntax'];
  return (result?.messages ?? []).filter((m) => layerRules.includes(m.ruleId ?? '')).map((m) => m.message);
}

describe('the layer rule (npm run lint)', () => {
  it.each([
    // Front ends never import each other.
    ['src/server/x.ts', "import { connectWindow } from '../main/ipc';"],
    ['src/cli/x.ts', "import { x } from '#server/studioServer';"],
    ['src/cli/commands/x.ts', "import '../../main/window';"],
    ['src/cli/x.ts', "const { openWindow } = await import('../main/window');"],
    // Core imports only shared: relative, by alias, from a subfolder, type-only, re-exported.
    ['src/core/x.ts', "import { StudioService } from '../host/studioService';"],
    ['src/core/x.ts', "import { StudioService } from '#host/studioService';"],
    ['src/core/output/x.ts', "import type { X } from '../../host/jobRunner';"],
    ['src/core/x.ts', "export * from '../cli/args';"],
    ['src/core/x.ts', "import { app } from 'electron';"],
    ['src/host/x.ts', "import { x } from '../server/access';"],
    ['src/host/x.ts', "import { ipcMain } from 'electron';"],
    // The renderer, the preload and shared never touch Node.
    ['src/renderer/src/x.tsx', "import { readFile } from 'node:fs/promises';"],
    ['src/renderer/src/components/x.tsx', "import { join } from 'path';"],
    ['src/renderer/src/x.tsx', "const fs = await import('node:fs');"],
    ['src/renderer/src/store/x.ts', "import type { X } from '../../../core/model';"],
    ['src/renderer/src/x.tsx', "import { x } from '#host/jobEvents';"],
    ['src/preload/x.ts', "import { x } from '../host/studioService';"],
    ['src/shared/x.ts', "import { x } from '#core/errors';"],
    ['src/shared/x.ts', "import { join } from 'node:path';"],
  ])('refuses, in %s, %s, saying what the layer imports', async (filePath, code) => {
    const errors = await layerErrors(filePath, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${filePath.split('/').slice(0, 2).join('/')} imports `);
  });

  it.each([
    ['src/host/x.ts', "import { a } from '../core/model';", "import { b } from '#core/errors';"],
    ['src/host/x.ts', "import '../shared/contract';", "import { c } from './jobEvents';"],
    ['src/cli/commands/x.ts', "import { a } from '../../host/settingsLocation';", "import '#host/studioService';"],
    ['src/cli/commands/x.ts', "import { a } from '../../core/embedJob';", "import { b } from '#shared/format';"],
    ['src/server/x.ts', "import { a } from '../host/studioService';", "import { createServer } from 'node:http';"],
    ['src/cli/x.ts', "await import('./commands/embed');", "await import('../host/studioService');"],
    ['src/main/x.ts', "import { app } from 'electron';", "import { a } from '../host/studioService';"],
    ['src/core/library/x.ts', "import { a } from '../../shared/engine';", "import { z } from 'zod';"],
    ['src/core/library/x.ts', "import { readFile } from 'node:fs/promises';", "import { b } from '../errors';"],
    ['src/preload/x.ts', "import { contextBridge } from 'electron';", "import { a } from '../shared/protocol';"],
    ['src/renderer/src/components/x.tsx', "import { a } from '../../../shared/contract';", "import 'react';"],
    ['src/renderer/src/components/x.tsx', "import { b } from '../store/StoreContext';", "import { c } from './Field';"],
    // Tests, e2e and benches stand outside the layers.
    ['test/main/x.test.ts', "import { a } from '../../src/main/ipc';", "import { b } from '../../src/server/access';"],
  ])('allows, in %s, %s', async (filePath, ...imports) => {
    expect(await layerErrors(filePath, imports.join('\n'))).toEqual([]);
  });
});
