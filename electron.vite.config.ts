import { defineConfig } from 'electron-vite'
import { rendererConfig } from './vite.renderer.config'

export default defineConfig({
  main: {
    build: {
      // electron-dl is ESM-only: bundle it into main instead of requiring it at run time.
      externalizeDeps: { exclude: ['electron-dl'] },
      rolldownOptions: {
        // The git worker thread is its own entry, out/main/git-worker.js (src/main/git/worker-host.ts starts it).
        input: { index: 'src/main/index.ts', 'git-worker': 'src/main/git/worker.ts' },
      },
    },
  },
  preload: {
    build: {
      // The sandbox needs one self-contained CommonJS file.
      externalizeDeps: false,
      lib: { entry: 'src/preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    },
  },
  renderer: rendererConfig,
})
