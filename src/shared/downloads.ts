/**
 * Downloads as the page sees them: what it asks for ({@link DownloadRequest}) and what the main
 * process reports back ({@link DownloadItem}). Pure data so it can cross IPC; the request schema
 * lets the IPC layer check a page's payload before it reaches the download manager.
 */
import { z } from 'zod'

/** The backup part being downloaded (the catalog's element names). */
export type DownloadElement = 'code' | 'database' | 'files'

/**
 * Where a download is in its life.
 * queued → downloading → verifying → done; paused, failed and cancelled can be left with
 * resume / retry.
 */
export type DownloadState = 'queued' | 'downloading' | 'paused' | 'verifying' | 'done' | 'failed' | 'cancelled'

/** One backup part to download into a folder. */
export interface DownloadRequest {
  readonly connectionId: string
  readonly siteId: string
  readonly siteName: string
  readonly env: string
  /** The backup folder, e.g. `1700000000_automated`. */
  readonly folder: string
  readonly element: DownloadElement
  /** The file name from the catalog; a plain name, never a path. */
  readonly filename: string
  /** The size the catalog lists; the downloaded file must match it exactly. */
  readonly expectedSize: number
  /** Absolute folder to save into. */
  readonly destDir: string
}

/** A download's current state, as shown in the downloads panel. */
export interface DownloadItem extends DownloadRequest {
  readonly id: string
  readonly state: DownloadState
  readonly receivedBytes: number
  readonly totalBytes: number
  /** Smoothed transfer rate; 0 when not downloading. */
  readonly bytesPerSecond: number
  /** Estimated seconds left; null when unknown or not downloading. */
  readonly etaSeconds: number | null
  /** Where the bytes are being written before verification. */
  readonly partPath: string
  /** The verified file's path once done; null before. */
  readonly finalPath: string | null
  readonly error: { readonly code: string; readonly message: string } | null
  /** Something the user should know about a finished download (e.g. it was saved under another name). */
  readonly note: string | null
  /** The verified file's SHA-256 as 64 lowercase hex digits, once done; null before. */
  readonly sha256: string | null
  /** Epoch milliseconds. */
  readonly createdAt: number
  /** Epoch milliseconds; set when done, failed or cancelled. */
  readonly finishedAt: number | null
  /**
   * Goes up by one with every change. Events and call answers travel on different
   * connections and can arrive out of order: the higher revision is the fresher one.
   */
  readonly revision: number
}

/** Whether a file name is a plain name that cannot point outside its folder. */
export function isPlainFilename(name: string): boolean {
  const trimmed = name.trim()
  return (
    trimmed !== '' &&
    trimmed !== '.' &&
    trimmed !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    name.length <= 255
  )
}

/** Runtime check of a {@link DownloadRequest} arriving from the page. */
export const downloadRequestSchema = z.object({
  connectionId: z.string().min(1),
  siteId: z.string().min(1),
  siteName: z.string().min(1),
  env: z.string().min(1),
  folder: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'A backup folder name has only letters, digits, "_", "." and "-".'),
  element: z.enum(['code', 'database', 'files']),
  filename: z.string().refine(isPlainFilename, 'The file name must be a plain name without a folder.'),
  expectedSize: z.number().int().positive(),
  destDir: z.string().min(1),
})

/** Runtime check of a download id arriving from the page. */
export const downloadIdSchema = z.string().min(1).max(100)

/** One change to the download list, as the `downloads:changed` event carries it. */
export interface DownloadChange {
  /** `removed`: the item left the list (its last state is in `item`). */
  readonly type: 'updated' | 'removed'
  readonly id: string
  readonly item: DownloadItem
}
