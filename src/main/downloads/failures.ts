/**
 * How a download's failures are worded for the user, and the small file probes the manager and a
 * run share to tell "the folder is gone" from "only the part file was deleted".
 */
import { stat } from 'node:fs/promises'
import { formatBytes } from '../../lib/format-bytes'
import type { DownloadItem } from '../../shared/downloads'
import { AppError } from '../errors'

/** A failure already worded for the user. */
export class DownloadFailure extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'DownloadFailure'
    this.code = code
  }
}

/** Link failures that no retry can mend: the connection or its token is gone. */
const PERMANENT_APP_ERRORS = new Set(['not_found', 'token_missing', 'keychain_unavailable'])

/** Whether a failed link request will fail the same way however often it is retried. */
export function isPermanentApiError(error: unknown): boolean {
  if (error instanceof AppError && PERMANENT_APP_ERRORS.has(error.code)) return true
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429
}

/** An error shaped like Node's own for errno `code` (ENOENT…), for the failure wording. */
export function errnoError(code: string, target: string, cause?: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${target}`, cause === undefined ? undefined : { cause }), { code })
}

/** An error's message ending in punctuation, to be followed by advice. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/** A file's size, or null when it is not there. */
export async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return null
    throw error
  }
}

/** Whether `dir` is a folder one can see now. */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory()
  } catch {
    return false
  }
}

/** What a run's failure tells the user: its own wording, or a disk error turned into advice. */
export function describeFailure(item: DownloadItem, error: unknown): { code: string; message: string } {
  if (error instanceof DownloadFailure) return { code: error.code, message: error.message }
  const code = (error as NodeJS.ErrnoException | null)?.code
  const kept = formatBytes(item.receivedBytes)
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return {
        code: 'disk_full',
        message: `The disk is full: free at least ${formatBytes(Math.max(0, item.expectedSize - item.receivedBytes))} on the drive that holds ${item.destDir} and press Retry; the ${kept} already downloaded are kept.`,
      }
    case 'ENOENT':
    case 'ENOTDIR':
      return {
        code: 'folder_missing',
        message: `The folder ${item.destDir} is gone (deleted, renamed, or on a drive that was disconnected). Put it back or reconnect the drive and press Retry to continue from the ${kept} already downloaded, or remove this download and choose another folder.`,
      }
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return {
        code: 'folder_not_writable',
        message: `Restore Desk is not allowed to write to ${item.destDir} (${code}). Fix the folder's permissions and press Retry, or remove this download and choose another folder.`,
      }
    default:
      if (code !== undefined) {
        return {
          code: 'disk_error',
          message: `Writing to ${item.destDir} failed (${code}: ${messageOf(error)}). Check the drive and press Retry; the ${kept} already downloaded are kept.`,
        }
      }
      return { code: 'internal', message: `The download stopped unexpectedly: ${messageOf(error)} Press Retry.` }
  }
}
