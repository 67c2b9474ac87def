/**
 * The Electron transport: a thin adapter over electron-dl 5, the only downloads module that
 * imports `electron`.
 *
 * The split, and why. electron-dl drives Chromium's download system, which gives the taskbar /
 * dock progress bar, the badge and the dock bounce for free, and Electron writes straight to the
 * save path we give it (no `.crdownload` detour), so Chromium fills our part file. But Chromium
 * cannot do what a resume here needs: its DownloadItem resumes only against the URL it started
 * with (our signed links expire in minutes), electron-dl has no way to start from an existing
 * part file (`session.createInterruptedDownload` is outside its API, and nothing would let us
 * check the 206 / ETag answer), and Chromium discards the partial file of any download it still
 * holds when the app quits or the item is cancelled. So:
 * - a transfer from byte 0 goes through electron-dl (with OS progress);
 * - every transfer that continues a part file (after pause, link expiry, a dropped connection
 *   or a restart) goes through the Node transport, with the same part file, `Range` and
 *   `If-Range` checks as browser mode; this adapter keeps the taskbar progress bar up to date
 *   for those itself;
 * - when the manager stops a Chromium download to pause it or because the app is closing,
 *   the bytes are first rescued (hard link, or a copy where the file system has none), the
 *   Chromium item is cancelled, and the bytes are put back under the part file's name once
 *   Chromium has deleted its copy. Between transfers Chromium holds nothing of ours.
 * Verification: the bytes Chromium writes never pass through this process, so a fresh transfer
 * hands nothing to the request's observer and the manager reads the finished part file once
 * through the download check (verify.ts); resumes go through the Node transport, which feeds the
 * check as it writes.
 * "Show in folder" is {@link showDownloadInFolder} (shell.showItemInFolder).
 */
import { copyFile, link, rename, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { BrowserWindow, shell } from 'electron'
import type { DownloadItem as ElectronDownloadItem } from 'electron'
import { CancelError, download } from 'electron-dl'
import { TransferError } from './transport'
import type { DownloadTransport, TransferRequest, TransferResult } from './transport'

/** Options for {@link createElectronTransport}. */
export interface ElectronTransportOptions {
  /** The window whose taskbar/dock icon shows progress; null when there is none (then Node does the work). */
  readonly getWindow: () => BrowserWindow | null
  /** Used for every transfer that continues a part file (normally the Node transport). */
  readonly resumeTransport: DownloadTransport
  /** How long to wait for Chromium to delete its copy after a cancel (default 3 s). */
  readonly releaseTimeoutMs?: number
}

/** Creates the electron-dl backed transport. */
export function createElectronTransport(options: ElectronTransportOptions): DownloadTransport {
  const releaseTimeoutMs = options.releaseTimeoutMs ?? 3000
  const live = new Set<Promise<unknown>>()

  function usableWindow(): BrowserWindow | null {
    const window = options.getWindow()
    return window !== null && !window.isDestroyed() ? window : null
  }

  async function resumeWithNode(request: TransferRequest): Promise<TransferResult> {
    const window = usableWindow()
    try {
      return await options.resumeTransport.transfer({
        ...request,
        onProgress: (received, total) => {
          if (window !== null && !window.isDestroyed() && total > 0) window.setProgressBar(received / total)
          request.onProgress(received, total)
        },
      })
    } finally {
      if (window !== null && !window.isDestroyed()) window.setProgressBar(-1)
    }
  }

  async function freshWithElectronDl(window: BrowserWindow, request: TransferRequest): Promise<TransferResult> {
    const { signal, partPath } = request
    if (signal.aborted) throw new TransferError('aborted', 'The download was stopped.')
    let chromiumItem: ElectronDownloadItem | null = null
    let stopping: Promise<void> | null = null
    const onAbort = (): void => {
      const item = chromiumItem
      if (item === null) return
      const keepBytes = signal.reason === 'pause' || signal.reason === 'shutdown'
      stopping = keepBytes ? releaseKeepingBytes(item, partPath, releaseTimeoutMs) : Promise.resolve(item.cancel())
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const item = await download(window, request.url, {
        directory: path.dirname(partPath),
        filename: path.basename(partPath),
        // The manager picks the final name itself (never overwriting); the part file is ours.
        overwrite: true,
        showBadge: true,
        showProgressBar: true,
        onStarted: (started) => {
          chromiumItem = started
          const etag = started.getETag()
          request.onStart?.({ offset: 0, totalBytes: started.getTotalBytes(), etag: etag === '' ? null : etag })
          if (signal.aborted) onAbort()
        },
        onProgress: (progress) => request.onProgress(progress.transferredBytes, progress.totalBytes),
      })
      const etag = item.getETag()
      const received = item.getReceivedBytes()
      return {
        receivedBytes: received,
        totalBytes: item.getTotalBytes() || received,
        etag: etag === '' ? null : etag,
        restarted: false,
      }
    } catch (error) {
      if (stopping !== null) await stopping
      if (signal.aborted || error instanceof CancelError) {
        throw new TransferError('aborted', 'The download was stopped.', { cause: error })
      }
      // Chromium gives no status code; the manager treats this like a dropped connection and
      // continues from the bytes on disk with a fresh link through the Node transport.
      throw new TransferError('network', error instanceof Error ? error.message : String(error), { cause: error })
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  return {
    name: 'electron',
    async transfer(request) {
      const window = usableWindow()
      const work =
        request.offset > 0 || window === null ? resumeWithNode(request) : freshWithElectronDl(window, request)
      live.add(work)
      try {
        return await work
      } finally {
        live.delete(work)
      }
    },
    async dispose() {
      await Promise.allSettled([...live])
      await options.resumeTransport.dispose?.()
    },
  }
}

/**
 * Takes the bytes of a Chromium download away from Chromium: pause it, give the part file a
 * second name, cancel the item (Chromium deletes its name for the file, asynchronously), then put
 * the bytes back under the part file's name. If Chromium keeps the file instead, both names are
 * the same file and the spare one is dropped.
 */
export async function releaseKeepingBytes(
  item: ElectronDownloadItem,
  partPath: string,
  timeoutMs: number,
): Promise<void> {
  if (item.getState() !== 'progressing') return
  item.pause()
  const rescue = `${partPath}.rescue`
  await unlink(rescue).catch(() => undefined)
  try {
    await link(partPath, rescue)
  } catch {
    // No hard links here (FAT, exFAT, some shares): a copy keeps the bytes at the cost of time.
    try {
      await copyFile(partPath, rescue)
    } catch {
      item.cancel()
      return // nothing on disk to rescue
    }
  }
  item.cancel()
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!(await exists(partPath))) {
      await rename(rescue, partPath)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  // Chromium kept its file (with a hard link, the very same bytes; a copy may lack the last
  // buffered chunk), so its copy is the one to continue from.
  await unlink(rescue)
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}

/** Opens the system file manager with a finished download selected. */
export function showDownloadInFolder(file: string): void {
  shell.showItemInFolder(file)
}

/** The first open window, for {@link ElectronTransportOptions.getWindow}. */
export function firstWindow(): BrowserWindow | null {
  return BrowserWindow.getAllWindows()[0] ?? null
}
