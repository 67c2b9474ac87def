/**
 * The transport-independent core of IPC: looks up a channel, validates its
 * payload against the contract's schema, runs the handler and wraps the
 * outcome in an {@link IpcResult}. Electron's ipcMain and browser mode's HTTP
 * host both call {@link IpcRouter.invoke}; neither has a second copy of this.
 */
import type { z } from 'zod'
import {
  invokeChannels,
  isInvokeChannel,
  type InvokeChannel,
  type InvokeParsed,
  type InvokeResponse,
  type IpcResult,
} from '../../shared/ipc'
import { AppError, toErrorShape } from '../errors'

/** One handler per invoke channel; they are plain async functions. */
export type IpcHandlers = {
  readonly [C in InvokeChannel]: (payload: InvokeParsed<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>
}

/** Runs contract calls arriving from any transport. */
export interface IpcRouter {
  invoke(channel: unknown, payload: unknown): Promise<IpcResult<unknown>>
}

/** Formats zod issues as one readable sentence naming the offending fields. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`)
    .join('; ')
}

/** Builds the router over a complete handler map. */
export function createIpcRouter(
  handlers: IpcHandlers,
  onUnexpected?: (channel: string, error: unknown) => void,
  /** Told of every failed handler (the health monitor asks the platform again after a network failure). */
  onFailure?: (channel: string, error: unknown) => void,
): IpcRouter {
  return {
    async invoke(channel, payload) {
      if (!isInvokeChannel(channel)) {
        return {
          ok: false,
          error: { code: 'unknown_channel', message: `There is no IPC channel named "${String(channel)}".` },
        }
      }
      const parsed = invokeChannels[channel].request.safeParse(payload)
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'bad_request',
            message: `The request to "${channel}" was refused: ${describeIssues(parsed.error)}.`,
          },
        }
      }
      try {
        const handler = handlers[channel] as (p: unknown) => unknown
        const value = await handler(parsed.data)
        return { ok: true, value }
      } catch (error) {
        if (!(error instanceof AppError)) onUnexpected?.(channel, error)
        onFailure?.(channel, error)
        return { ok: false, error: toErrorShape(error) }
      }
    },
  }
}
