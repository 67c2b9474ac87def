import { defineConfig } from 'electron-vite'
import { rendererConfig } from './vite.renderer.config'

export default defineConfig({
  main: {
    build: {
      // electron-dl is ESM-only: bundle it into main instead of requiring it at run time.
      externalizeDeps: { exclude: ['electron-dl'] },
      rolldownOptions: { input: { index: 'src/main/index.ts' } },
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
