/**
 * The seam between the download manager and whatever moves bytes. A transport copies one signed
 * URL into a part file, starting at a byte offset, and reports progress; it knows nothing about
 * queues, links or verification. Failures are {@link TransferError}s whose `kind` tells the
 * manager what to do next (fetch a fresh link, back off and retry, or give up).
 */

/**
 * Sees the bytes of the part file as they are written, so they can be checked in the same pass
 * (see verify.ts). A transport that writes the part file itself calls {@link syncTo} with the
 * offset it starts writing at, then hands every chunk to {@link write} in file order.
 * One that cannot see the bytes (Chromium writes them for electron-dl) hands over nothing; the
 * manager brings the observer up to date from the file afterwards.
 */
export interface TransferObserver {
  /**
   * Makes the observer hold exactly the first `offset` bytes of the part file: nothing to do when
   * it has seen that many, otherwise it reads what it lacks from the file (starting over when the
   * file was rewritten from an earlier point).
   */
  syncTo(offset: number, signal?: AbortSignal): Promise<void>
  /**
   * The next chunk written to the part file. False asks the caller to wait for {@link drained}
   * before the next one, so a slow observer slows the transfer instead of filling memory. The
   * observer may keep `chunk` (it is not copied): the caller must not change it afterwards.
   * Never throws: what the bytes are worth is the observer's own verdict.
   */
  write(chunk: Buffer): boolean
  /** Resolves when the observer can take more (at once when it is not full). */
  drained(): Promise<void>
}

/** What the manager asks a transport to do. */
export interface TransferRequest {
  /** A signed URL (needs no Authorization header). */
  readonly url: string
  /** The file to write; it already holds `offset` bytes of the same file. */
  readonly partPath: string
  /** Bytes already on disk: ask the server for the rest with `Range: bytes=<offset>-`. */
  readonly offset: number
  /** The ETag seen when the bytes on disk were fetched; a different one means start over. */
  readonly etag: string | null
  readonly signal: AbortSignal
  /** Checks the bytes in the same pass as they are written (the manager's download check). */
  readonly observer?: TransferObserver
  /**
   * The most bytes the file may have (the catalog's size; 0 = no cap). A body that goes past it
   * is cut there and the transfer ends as if complete, so the size check refuses the file
   * instead of a runaway answer filling the disk.
   */
  readonly maxBytes?: number
  /** Called as bytes land on disk: bytes in the part file and the full file size (0 if unknown). */
  readonly onProgress: (receivedBytes: number, totalBytes: number) => void
  /**
   * Called once the server has answered and bytes are about to flow: the offset actually used
   * (0 if the server could not resume), the full size, and the ETag to remember for a later resume.
   */
  readonly onStart?: (info: {
    readonly offset: number
    readonly totalBytes: number
    readonly etag: string | null
  }) => void
}

/** A finished transfer: the part file now holds the whole remote file. */
export interface TransferResult {
  readonly receivedBytes: number
  readonly totalBytes: number
  readonly etag: string | null
  /** True when the bytes already on disk had to be discarded (server ignored Range, or the file changed). */
  readonly restarted: boolean
}

/**
 * Why a transfer stopped.
 * - `link_rejected`: 401/403 — the signed link expired or was refused; a fresh link may work.
 * - `network`: connection refused/reset/timed out, or the body ended early; retry with back-off.
 * - `server`: 5xx or 429; retry with back-off.
 * - `http`: any other unexpected status (404…); retrying will not help.
 * - `disk`: writing the part file failed (`code` is the errno name: ENOSPC, ENOENT, EACCES…).
 * - `aborted`: the manager's signal fired (pause, cancel, shutdown).
 */
export type TransferErrorKind = 'link_rejected' | 'network' | 'server' | 'http' | 'disk' | 'aborted'

/** A transfer failure, classified for the manager's retry rules. */
export class TransferError extends Error {
  readonly kind: TransferErrorKind
  /** HTTP status for link_rejected/server/http. */
  readonly status: number | null
  /** errno name for disk and network errors. */
  readonly code: string | null

  constructor(
    kind: TransferErrorKind,
    message: string,
    options: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TransferError'
    this.kind = kind
    this.status = options.status ?? null
    this.code = options.code ?? null
  }
}

/** Moves the bytes of one signed URL into a part file. */
export interface DownloadTransport {
  /** Short name for logs and the benchmark ("node", "electron"). */
  readonly name: string
  /** Copies `url` into `partPath` from `offset`; rejects with a {@link TransferError}. */
  transfer(request: TransferRequest): Promise<TransferResult>
  /** Releases anything held between transfers (called by the manager's close()). */
  dispose?(): Promise<void> | void
}

/** errno codes that mean "the disk or folder is the problem", not the network. */
const diskCodes = new Set([
  'ENOSPC',
  'EDQUOT',
  'ENOENT',
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'EFBIG',
  'EISDIR',
])

/** Whether an errno code describes a local file-system failure. */
export function isDiskErrorCode(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && diskCodes.has(code)
}
