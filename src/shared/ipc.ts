/**
 * The one IPC contract between the page and the main process.
 *
 * Every invoke channel maps a request schema (checked at runtime in the main
 * process, whatever transport carried it) to a response type; every event
 * channel names the payload main pushes to the page. Adding a channel is one
 * entry here plus one handler in src/main/ipc/handlers.ts.
 */
import { z } from 'zod'
import type { AppInfo, AppStatus } from './app'

/** A channel's runtime request schema, tagged with its (compile-time) response type. */
export interface InvokeSpec<Req extends z.ZodType, Res> {
  readonly request: Req
  /** Never set at runtime: carries the response type only. */
  readonly response?: Res
}

function invoke<Res>() {
  return <Req extends z.ZodType>(request: Req): InvokeSpec<Req, Res> => ({ request })
}

/** A channel that takes no payload. */
const noPayload = z.undefined()

/** Invoke channels: page → main, answered once. */
export const invokeChannels = {
  'app:info': invoke<AppInfo>()(noPayload),
} as const

/** Event channels: main → page. The value is only a type carrier. */
export const eventChannels = {
  'app:status': null as unknown as AppStatus,
} as const

export type InvokeChannel = keyof typeof invokeChannels
export type EventChannel = keyof typeof eventChannels

/** What the page passes for a channel (before parsing). */
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['request']>
/** What the handler receives (after parsing). */
export type InvokeParsed<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['request']>
export type InvokeResponse<C extends InvokeChannel> = NonNullable<(typeof invokeChannels)[C]['response']>
export type EventPayload<E extends EventChannel> = (typeof eventChannels)[E]

export const invokeChannelNames = Object.keys(invokeChannels) as InvokeChannel[]
export const eventChannelNames = Object.keys(eventChannels) as EventChannel[]

/** Whether a string names a known invoke channel. */
export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeChannels, name)
}

/** Whether a string names a known event channel. */
export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(eventChannels, name)
}

/** A failure as it crosses the process boundary. */
export interface IpcErrorShape {
  readonly code: string
  readonly message: string
}

/** Every invoke answers with this envelope; errors never throw across IPC. */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcErrorShape }

/** The error the page sees, rebuilt from an {@link IpcErrorShape}. */
export class IpcError extends Error {
  readonly code: string
  constructor(shape: IpcErrorShape) {
    super(shape.message)
    this.name = 'IpcError'
    this.code = shape.code
  }
}

/**
 * What the preload exposes as `window.restoreDesk` and what browser mode's
 * bridge implements: one named function per channel, nothing else.
 */
export interface RestoreDeskBridge {
  readonly invoke: { readonly [C in InvokeChannel]: (payload: InvokeRequest<C>) => Promise<IpcResult<InvokeResponse<C>>> }
  readonly subscribe: { readonly [E in EventChannel]: (listener: (payload: EventPayload<E>) => void) => () => void }
}
