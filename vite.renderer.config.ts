import { defineConfig, type Plugin, type UserConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONTENT_SECURITY_POLICY } from './src/main/security.ts'

const here = path.dirname(fileURLToPath(import.meta.url))

/** Puts the CSP into the built page too (the hosts also send it as a header). */
function cspMetaTag(): Plugin {
  return {
    name: 'restore-desk-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  }
}

/** The renderer's Vite config, shared by electron-vite and browser mode's build. */
export const rendererConfig: UserConfig = {
  root: path.join(here, 'src/renderer'),
  base: '/',
  plugins: [vue(), cspMetaTag()],
  build: {
    outDir: path.join(here, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
  },
}

export default defineConfig(rendererConfig)
