/**
 * Reading what a person drops or picks: which files, and which of them are folders. A browser
 * hands a dropped folder over as a `File` too (no size, no type, unreadable), so a folder is told
 * by its entry (`webkitGetAsEntry`) where the browser offers one, else by failing to read it.
 * The entries exist only while the drop event runs: `dropEntries` must be called inside it.
 */

/** A file the person dropped or picked, and whether it is in fact a folder. */
export interface ImportPick {
  readonly file: File
  readonly folder: boolean
}

/** A drop's file before the folder check that needs a read; `folder` null: the browser did not say. */
export interface DroppedEntry {
  readonly file: File
  readonly folder: boolean | null
}

/** Whether a drag carries files (not text or a link dragged from the page). */
export function carriesFiles(transfer: DataTransfer | null | undefined): boolean {
  if (!transfer) return false
  if ([...transfer.types].includes('Files')) return true
  const items = transfer.items
  if (!items) return false
  for (let index = 0; index < items.length; index += 1) if (items[index]?.kind === 'file') return true
  return false
}

/** The files of a drop, read while the event runs (its items are cleared after it). */
export function dropEntries(transfer: DataTransfer): DroppedEntry[] {
  const items = transfer.items
  const entries: DroppedEntry[] = []
  if (items && items.length > 0) {
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index]
      if (!item || item.kind !== 'file') continue
      const file = item.getAsFile()
      if (!file) continue
      // Not every engine has it (happy-dom, old WebKit): then the read below decides.
      const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
      entries.push({ file, folder: entry ? entry.isDirectory : null })
    }
    return entries
  }
  return [...transfer.files].map((file) => ({ file, folder: null }))
}

/**
 * Whether a file the browser did not classify is a folder: folders come as empty, typeless
 * files whose read fails. An empty file that reads (a real zero-byte file) is a file.
 */
export async function isUnreadableFolder(file: File): Promise<boolean> {
  if (file.size !== 0 || file.type !== '') return false
  try {
    await file.slice(0, 1).arrayBuffer()
    return false
  } catch {
    return true
  }
}

/** Settles each entry's kind, reading those the browser left unclassified. */
export async function resolvePicks(entries: readonly DroppedEntry[]): Promise<ImportPick[]> {
  return Promise.all(
    entries.map(async ({ file, folder }) => ({ file, folder: folder ?? (await isUnreadableFolder(file)) })),
  )
}
