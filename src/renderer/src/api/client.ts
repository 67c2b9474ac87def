/**
 * The page's typed client for the IPC contract. It picks the transport in one
 * place (the preload in Electron, HTTP in browser mode) and rebuilds errors,
 * so stores call `api.call('app:info')` and get a value or an {@link IpcError}.
 */
import type { StagedFile } from '../../../shared/imports'
import {
  IpcError,
  type EventChannel,
  type EventPayload,
  type InvokeRequest,
  type InvokeResponse,
  type PageChannel,
  type RestoreDeskBridge,
} from '../../../shared/ipc'
import { createHttpBridge } from './http-bridge'

export interface ApiClient {
  call<C extends PageChannel>(
    channel: C,
    ...payload: undefined extends InvokeRequest<C> ? [InvokeRequest<C>?] : [InvokeRequest<C>]
  ): Promise<InvokeResponse<C>>
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): () => void
  /** Stages a dropped or picked file for an import (see RestoreDeskBridge.stageFile): its token, or an IpcError. */
  stage(file: File, onProgress?: (sent: number, total: number) => void): Promise<StagedFile>
}

/** Wraps a bridge in the typed, throwing client. */
export function createApiClient(bridge: RestoreDeskBridge): ApiClient {
  return {
    async call(channel, ...args) {
      const send = bridge.invoke[channel] as (
        payload: unknown,
      ) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>
      const result = await send(args[0])
      if (!result.ok)
        throw new IpcError(result.error ?? { code: 'unknown', message: 'The call failed for an unknown reason.' })
      return result.value as never
    },
    on(channel, listener) {
      const subscribe = bridge.subscribe[channel] as (l: (payload: unknown) => void) => () => void
      return subscribe(listener as (payload: unknown) => void)
    },
    async stage(file, onProgress) {
      const result = await bridge.stageFile(file, onProgress)
      if (!result.ok) throw new IpcError(result.error)
      return result.value
    },
  }
}

let shared: ApiClient | null = null

/** The app-wide client: preload bridge in Electron, HTTP bridge in a browser. */
export function useApi(): ApiClient {
  shared ??= createApiClient(window.restoreDesk ?? createHttpBridge())
  return shared
}

/** Replaces the app-wide client (tests). */
export function setApiClient(client: ApiClient | null): void {
  shared = client
}
