import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // node-llama-cpp loads native binaries at run time: it must stay a real dependency, never bundled.
      externalizeDeps: { include: ['node-llama-cpp'] },
      // The model probe runs in a child process of its own, so it is an entry of its own beside index.js.
      rolldownOptions: {
        input: { index: resolve('src/main/index.ts'), modelProbeWorker: resolve('src/core/modelProbeWorker.ts') },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require nothing but electron: anything else it imports must be bundled into it.
      externalizeDeps: false,
      // CommonJS, so the window can keep `sandbox: true`.
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: { minify: true, rolldownOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [react()],
  },
});
