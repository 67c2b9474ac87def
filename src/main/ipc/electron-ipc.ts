/**
 * Binds the router to Electron's ipcMain. Takes ipcMain and the trust check as
 * arguments so it never imports electron and is tested without it.
 */
import { invokeChannelNames } from '../../shared/ipc'
import type { IpcRouter } from './router'

/** The part of an IpcMainInvokeEvent this module reads. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number }
  readonly senderFrame: { readonly url: string } | null
}

/** The part of Electron's ipcMain this module uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, payload: unknown) => unknown): void
  removeHandler(channel: string): void
}

/**
 * Registers one ipcMain handler per contract channel. A call from a sender that
 * is not the app's own window at the app's own origin is refused without
 * running anything.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  router: IpcRouter,
  isTrustedSender: (event: InvokeEventLike) => boolean,
): () => void {
  for (const channel of invokeChannelNames) {
    ipcMain.handle(channel, (event, payload) => {
      if (!isTrustedSender(event)) {
        return {
          ok: false,
          error: { code: 'forbidden', message: 'This window is not allowed to talk to Restore Desk.' },
        }
      }
      return router.invoke(channel, payload)
    })
  }
  return () => {
    for (const channel of invokeChannelNames) ipcMain.removeHandler(channel)
  }
}

/** True when a frame URL belongs to one of the app's own origins. */
export function isAppOrigin(url: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (!url) return false
  try {
    const origin = new URL(url).origin
    // app:// is a standard scheme, but URL gives "null" origins for unknown schemes on some runtimes.
    const normalized = origin === 'null' ? url.replace(/^(\w+:\/\/[^/]+).*$/, '$1') : origin
    return allowedOrigins.includes(normalized)
  } catch {
    return false
  }
}
