/// <reference types="vite/client" />
import type { RestoreDeskBridge } from '../../shared/ipc'

declare global {
  interface Window {
    /** Present in Electron (the preload); absent in browser mode. */
    readonly restoreDesk?: RestoreDeskBridge
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
