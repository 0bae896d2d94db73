import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // node-llama-cpp loads native binaries at run time: it must stay a real dependency, never bundled.
      externalizeDeps: { include: ['node-llama-cpp'] },
      rolldownOptions: { input: { index: resolve('src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      // CommonJS, so the window can keep `sandbox: true`.
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: { rolldownOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [react()],
  },
});
