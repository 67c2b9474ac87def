/**
 * Exposes the IPC contract to the page as `window.restoreDesk`: one named
 * function per channel the page may call, listeners that get the payload only,
 * and nothing of ipcRenderer itself. Bundled into one CommonJS file for the sandbox.
 *
 * `stageFile` is the one place a path on disk exists on this side: Electron's
 * `webUtils.getPathForFile` turns a File the person dropped or picked into its
 * path (File.path is gone since Electron 32), and the path goes straight to main
 * through the preload-only `imports:stage-path`. The page gets a token, never the
 * path, and cannot call `imports:stage-path` itself (it is not in `invoke`).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import type { ImportProgress } from '../shared/imports'
import { eventChannelNames, pageChannelNames } from '../shared/ipc'

const invoke = Object.fromEntries(
  pageChannelNames.map((channel) => [channel, (payload: unknown) => ipcRenderer.invoke(channel, payload)]),
)

const subscribe = Object.fromEntries(
  eventChannelNames.map((channel) => [
    channel,
    (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a function')
      const forward = (_event: unknown, payload: unknown): void => listener(payload)
      ipcRenderer.on(channel, forward)
      return () => {
        ipcRenderer.removeListener(channel, forward)
      }
    },
  ]),
)

/** Staging calls in flight: packing progress goes to the only one, when there is one. */
let staging = 0

async function stageFile(file: File, onProgress?: (done: number, total: number) => void): Promise<unknown> {
  let path: string
  try {
    path = webUtils.getPathForFile(file)
  } catch {
    path = ''
  }
  if (!path) {
    return {
      ok: false,
      error: {
        code: 'no_path',
        message:
          'That file is not on this computer’s disk (it came from another app or a web page). Save it to disk first, then drop it again.',
      },
    }
  }
  // A dropped folder is packed in main; its `packing` progress events carry a token the page
  // does not know yet, so they are handed to the caller while this is the only staging call.
  const forward = (_event: unknown, progress: ImportProgress): void => {
    if (staging === 1 && progress.phase === 'packing' && progress.total !== null)
      onProgress?.(progress.bytes, progress.total)
  }
  staging += 1
  ipcRenderer.on('imports:progress', forward)
  try {
    return await ipcRenderer.invoke('imports:stage-path', { path })
  } finally {
    staging -= 1
    ipcRenderer.removeListener('imports:progress', forward)
  }
}

contextBridge.exposeInMainWorld(
  'restoreDesk',
  Object.freeze({ stageFile, invoke: Object.freeze(invoke), subscribe: Object.freeze(subscribe) }),
)
