/**
 * Browser mode's bridge: the same shape as the preload's `window.restoreDesk`,
 * carried over HTTP to the host that runs the real main-process handlers.
 * The session token travels in an HttpOnly cookie the host set from the
 * printed link, so the page never handles it.
 */
import {
  eventChannelNames,
  invokeChannelNames,
  type EventChannel,
  type IpcResult,
  type RestoreDeskBridge,
} from '../../../shared/ipc'

type Listener = (payload: unknown) => void

/** Builds a bridge that talks to the browser-mode host at `base` (same origin by default). */
export function createHttpBridge(base = '', fetchImpl: typeof fetch = (...args) => fetch(...args)): RestoreDeskBridge {
  const listeners = new Map<EventChannel, Set<Listener>>()
  let source: EventSource | null = null

  const ensureSource = (): void => {
    if (source || typeof EventSource === 'undefined') return
    source = new EventSource(`${base}/api/events`, { withCredentials: true })
    for (const channel of eventChannelNames) {
      source.addEventListener(channel, (event) => {
        const payload: unknown = JSON.parse((event as MessageEvent<string>).data)
        for (const listener of listeners.get(channel) ?? []) listener(payload)
      })
    }
  }

  const invoke = Object.fromEntries(
    invokeChannelNames.map((channel) => [
      channel,
      async (payload: unknown): Promise<IpcResult<unknown>> => {
        let response: Response
        try {
          response = await fetchImpl(`${base}/api/invoke/${encodeURIComponent(channel)}`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ payload }),
          })
        } catch {
          return {
            ok: false,
            error: {
              code: 'host_unreachable',
              message: 'Restore Desk is not answering. Check that `npm run web` is still running, then reload.',
            },
          }
        }
        try {
          return (await response.json()) as IpcResult<unknown>
        } catch {
          return {
            ok: false,
            error: {
              code: 'bad_response',
              message: `Restore Desk answered with HTTP ${response.status} and no result. Reload the page.`,
            },
          }
        }
      },
    ]),
  )

  const subscribe = Object.fromEntries(
    eventChannelNames.map((channel) => [
      channel,
      (listener: Listener) => {
        ensureSource()
        const set = listeners.get(channel) ?? new Set<Listener>()
        listeners.set(channel, set)
        set.add(listener)
        return () => {
          set.delete(listener)
        }
      },
    ]),
  )

  return { invoke, subscribe } as unknown as RestoreDeskBridge
}
