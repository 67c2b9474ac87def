import { defineConfig } from 'vitest/config'

/** End-to-end tests: Chromium (and Electron when a binary exists) against the real app. */
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
})
