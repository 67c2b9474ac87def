/**
 * Exposes the IPC contract to the page as `window.restoreDesk`: one named
 * function per channel, listeners that get the payload only, and nothing of
 * ipcRenderer itself. Bundled into one CommonJS file for the sandbox.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { eventChannelNames, invokeChannelNames } from '../shared/ipc'

const invoke = Object.fromEntries(
  invokeChannelNames.map((channel) => [channel, (payload: unknown) => ipcRenderer.invoke(channel, payload)]),
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

contextBridge.exposeInMainWorld(
  'restoreDesk',
  Object.freeze({ invoke: Object.freeze(invoke), subscribe: Object.freeze(subscribe) }),
)
