/** The main process's one error type: a stable code plus a message a person can act on. */
import type { IpcErrorShape } from '../shared/ipc'

/** An expected failure whose message is safe and useful to show the user. */
export class AppError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AppError'
    this.code = code
  }
}

/** Turns any thrown value into the shape that crosses IPC. */
export function toErrorShape(error: unknown): IpcErrorShape {
  if (error instanceof AppError) return { code: error.code, message: error.message }
  if (
    error &&
    typeof error === 'object' &&
    'code' in error &&
    typeof error.code === 'string' &&
    error instanceof Error
  ) {
    return { code: error.code, message: error.message }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    code: 'internal',
    message: `Something went wrong inside Restore Desk: ${message}. Try again; if it keeps happening, restart the app.`,
  }
}
