import { defineConfig, type Plugin, type UserConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONTENT_SECURITY_POLICY } from './src/main/security.ts'

const here = path.dirname(fileURLToPath(import.meta.url))

/** The CSP as a <meta> tag: the same policy less what only works as a header. */
const metaPolicy = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ')

/** Puts the CSP into the built page too (the hosts also send it as a header). */
function cspMetaTag(): Plugin {
  return {
    name: 'restore-desk-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy },
        injectTo: 'head-prepend',
      },
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
