/**
 * Browser mode's bridge: the same shape as the preload's `window.restoreDesk`,
 * carried over HTTP to the host that runs the real main-process handlers.
 * The session token travels in an HttpOnly cookie the host set from the
 * printed link, so the page never handles it.
 *
 * `stageFile` sends a dropped file to the host's own route (`PUT /api/stage`)
 * with XMLHttpRequest, which reports upload progress (fetch does not) and sends
 * the File itself, so the browser streams it from disk instead of holding it.
 */
import type { StagedFile } from '../../../shared/imports'
import {
  eventChannelNames,
  pageChannelNames,
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
    pageChannelNames.map((channel) => [
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

  return {
    invoke,
    subscribe,
    stageFile: (file, onProgress) => stageOverHttp(base, file, onProgress),
  } as RestoreDeskBridge
}

const unreachable: IpcResult<never> = {
  ok: false,
  error: {
    code: 'host_unreachable',
    message:
      'The file could not be sent: Restore Desk is not answering. Check that `npm run web` is still running, then try again.',
  },
}

/** Streams `file` to the host's staging route, reporting the bytes sent. */
export function stageOverHttp(
  base: string,
  file: File,
  onProgress?: (sent: number, total: number) => void,
  makeRequest: () => XMLHttpRequest = () => new XMLHttpRequest(),
): Promise<IpcResult<StagedFile>> {
  return new Promise((resolve) => {
    const xhr = makeRequest()
    xhr.open('PUT', `${base}/api/stage?name=${encodeURIComponent(file.name)}`)
    xhr.withCredentials = true
    xhr.setRequestHeader('Content-Type', 'application/octet-stream')
    xhr.upload.addEventListener('progress', (event) => {
      onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size)
    })
    xhr.addEventListener('load', () => {
      try {
        resolve(JSON.parse(xhr.responseText) as IpcResult<StagedFile>)
      } catch {
        resolve({
          ok: false,
          error: {
            code: 'bad_response',
            message: `Restore Desk answered the file with HTTP ${xhr.status} and no result. Reload the page, then try again.`,
          },
        })
      }
    })
    xhr.addEventListener('error', () => resolve(unreachable))
    xhr.addEventListener('abort', () =>
      resolve({ ok: false, error: { code: 'cancelled', message: 'Sending the file was stopped.' } }),
    )
    xhr.send(file)
  })
}
