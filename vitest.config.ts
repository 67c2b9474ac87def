import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

/**
 * Unit and integration tests, one project per process kind. End-to-end tests
 * (real browser) live in vitest.e2e.config.ts so `npm run test:unit` stays quick.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'main',
          environment: 'node',
          include: ['test/main/**/*.test.ts', 'test/shared/**/*.test.ts'],
          // electron-dl is ESM-only and must be transformed, not externalized.
          server: { deps: { inline: ['electron-dl'] } },
          testTimeout: 30_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          // The size the end-to-end suite uses; tests of short windows set their own (happyDOM.setViewport).
          environmentOptions: { happyDOM: { width: 1600, height: 1000 } },
          include: ['test/renderer/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'lib',
          environment: 'node',
          include: ['test/lib/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'platform',
          environment: 'node',
          include: ['test/platform/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
