/**
 * A scriptable stand-in for the preload bridge: tests give handlers per channel (a value, or a
 * thrown `{ code, message }` for an IpcError), read what the page called, and push events as
 * the main process would. It goes through the real `createApiClient`, so envelopes and error
 * rebuilding are exercised too.
 */
import { vi } from 'vitest'
import { createApiClient, setApiClient } from '../../../src/renderer/src/api/client'
import type { StagedFile } from '../../../src/shared/imports'
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

/** Stages a file as the preload or the host would (tests may call `onProgress`). */
export type FakeStage = (
  file: File,
  onProgress?: (sent: number, total: number) => void,
) => StagedFile | Promise<StagedFile>

/** A thrown value that becomes `{ ok: false, error }`. */
export class FakeIpcFailure {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

export interface FakeBridge {
  readonly bridge: RestoreDeskBridge
  /** Every invoke, in order. */
  readonly calls: Array<{ channel: InvokeChannel; payload: unknown }>
  callsTo(channel: InvokeChannel): unknown[]
  handle<C extends InvokeChannel>(channel: C, handler: FakeHandler<C>): void
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void
  listenerCount(channel: EventChannel): number
  /** The files handed to `stageFile`, in order. */
  readonly staged: File[]
  /** How `stageFile` answers (throw a FakeIpcFailure for an error); unset, it answers not_handled. */
  handleStage(stage: FakeStage): void
}

const DEFAULTS: FakeHandlers = {
  'connections:list': () => [],
  'sites:list': () => [],
  'downloads:list': () => [],
  'workflows:active': () => [],
  'app:set-theme': () => undefined,
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
  let stage: FakeStage | null = null
  const stageFile = async (
    file: File,
    onProgress?: (sent: number, total: number) => void,
  ): Promise<IpcResult<StagedFile>> => {
    staged.push(file)
    if (!stage) return { ok: false, error: { code: 'not_handled', message: 'The fake bridge stages no files.' } }
    try {
      return { ok: true, value: await stage(file, onProgress) }
    } catch (cause) {
      if (cause instanceof FakeIpcFailure) return { ok: false, error: { code: cause.code, message: cause.message } }
      throw cause
    }
  }
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
    handleStage: (handler) => {
      stage = handler
    },
  }
}
