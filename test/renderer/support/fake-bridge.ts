/**
 * A scriptable stand-in for the preload bridge: tests give handlers per channel (a value, or a
 * thrown `{ code, message }` for an IpcError), read what the page called, and push events as
 * the main process would. `stageFile` records each file and answers with a token (or what
 * `stageWith` says), reporting its progress through the page's callback like browser mode. It goes through the real `createApiClient`, so envelopes and error
 * rebuilding are exercised too.
 */
import { vi } from 'vitest'
import type { StagedFile } from '../../../src/shared/imports'
import { createApiClient, setApiClient } from '../../../src/renderer/src/api/client'
import {
  eventChannelNames,
  invokeChannelNames,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
  type IpcResult,
  type RestoreDeskBridge,
} from '../../../src/shared/ipc'

/** A handler answers with a value, or throws `{ code, message }` to answer with an error. */
export type FakeHandler<C extends InvokeChannel> = (
  payload: InvokeRequest<C>,
) => InvokeResponse<C> | Promise<InvokeResponse<C>>
export type FakeHandlers = { [C in InvokeChannel]?: FakeHandler<C> }

/** A thrown value that becomes `{ ok: false, error }`. */
export class FakeIpcFailure {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

/** How the fake stages a file: a staged file, or a thrown `FakeIpcFailure`; `report` is the page's progress callback. */
export type FakeStager = (
  file: File,
  report: (sent: number, total: number) => void,
  index: number,
) => StagedFile | Promise<StagedFile>

/** The token the default stager gives the `index`th file staged (from 1). */
export function stagedToken(index: number): string {
  return `staged-token-${String(index).padStart(6, '0')}`
}

const defaultStager: FakeStager = (file, report, index) => {
  report(file.size, file.size)
  return { token: stagedToken(index), name: file.name, size: file.size, packedFolder: false, stagedAt: Date.now() }
}

export interface FakeBridge {
  readonly bridge: RestoreDeskBridge
  /** Every invoke, in order. */
  readonly calls: Array<{ channel: InvokeChannel; payload: unknown }>
  callsTo(channel: InvokeChannel): unknown[]
  handle<C extends InvokeChannel>(channel: C, handler: FakeHandler<C>): void
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void
  listenerCount(channel: EventChannel): number
  /** Every file handed to `stageFile`, in order. */
  readonly staged: File[]
  stageWith(stager: FakeStager): void
}

const DEFAULTS: FakeHandlers = {
  'connections:list': () => [],
  'sites:list': () => [],
  'downloads:list': () => [],
  'workflows:active': () => [],
  'activity:site': ({ siteId }) => ({ siteId, workflows: [], jobs: [], busy: {}, undo: {}, fetchedAt: Date.now() }),
}

/** Builds a fake bridge and installs it as the app-wide API client. */
export function installFakeBridge(handlers: FakeHandlers = {}): FakeBridge {
  const table = new Map<InvokeChannel, (payload: unknown) => unknown>()
  for (const [channel, handler] of Object.entries({ ...DEFAULTS, ...handlers })) {
    table.set(channel as InvokeChannel, handler as (payload: unknown) => unknown)
  }
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>()
  const calls: Array<{ channel: InvokeChannel; payload: unknown }> = []

  const invoke = Object.fromEntries(
    invokeChannelNames.map((channel) => [
      channel,
      vi.fn(async (payload: unknown): Promise<IpcResult<unknown>> => {
        calls.push({ channel, payload })
        const handler = table.get(channel)
        if (!handler)
          return {
            ok: false,
            error: { code: 'not_handled', message: `The fake bridge has no handler for ${channel}.` },
          }
        try {
          return { ok: true, value: await handler(payload) }
        } catch (cause) {
          if (cause instanceof FakeIpcFailure) return { ok: false, error: { code: cause.code, message: cause.message } }
          throw cause
        }
      }),
    ]),
  )
  const subscribe = Object.fromEntries(
    eventChannelNames.map((channel) => [
      channel,
      (listener: (payload: unknown) => void) => {
        const set = listeners.get(channel) ?? new Set()
        listeners.set(channel, set)
        set.add(listener)
        return () => set.delete(listener)
      },
    ]),
  )
  const staged: File[] = []
  let stager = defaultStager
  const stageFile = vi.fn(
    async (file: File, onProgress?: (sent: number, total: number) => void): Promise<IpcResult<StagedFile>> => {
      staged.push(file)
      try {
        return { ok: true, value: await stager(file, (sent, total) => onProgress?.(sent, total), staged.length) }
      } catch (cause) {
        if (cause instanceof FakeIpcFailure) return { ok: false, error: { code: cause.code, message: cause.message } }
        throw cause
      }
    },
  )
  const bridge = { invoke, subscribe, stageFile } as unknown as RestoreDeskBridge
  setApiClient(createApiClient(bridge))

  return {
    bridge,
    calls,
    callsTo: (channel) => calls.filter((call) => call.channel === channel).map((call) => call.payload),
    handle: (channel, handler) => table.set(channel, handler as (payload: unknown) => unknown),
    emit: (channel, payload) => {
      for (const listener of listeners.get(channel) ?? []) listener(payload)
    },
    listenerCount: (channel) => listeners.get(channel)?.size ?? 0,
    staged,
    stageWith: (next) => {
      stager = next
    },
  }
}
