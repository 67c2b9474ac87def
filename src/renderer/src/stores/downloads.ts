/**
 * The download manager as the page sees it: the list from `downloads:list`, kept current by
 * `downloads:changed` events, the actions on one item, and each environment's target folder
 * (the main process's default until the user picks another).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DownloadItem, DownloadState } from '../../../shared/downloads'
import type { BackupElement } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { messageOf } from '../lib/format'
import { createResource } from './resource'
import { envKey } from './sites'

const ACTIVE_STATES: ReadonlySet<DownloadState> = new Set(['queued', 'downloading', 'paused', 'verifying'])
const FAILED_STATES: ReadonlySet<DownloadState> = new Set(['failed', 'cancelled'])

/** Whether a download still needs the user's patience (or a resume). */
export function isActiveDownload(item: DownloadItem): boolean {
  return ACTIVE_STATES.has(item.state)
}

/** Key of one part of one backup, to find its download from the timeline. */
export function partKey(siteId: string, env: string, folder: string, element: BackupElement): string {
  return `${siteId}/${env}/${folder}/${element}`
}

/** Where the folders the user picked are remembered, so a reload keeps them. */
const CHOSEN_FOLDERS_KEY = 'restore-desk:download-folders'

function readChosenFolders(): Record<string, string> {
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(CHOSEN_FOLDERS_KEY)
    const parsed: unknown = raw ? JSON.parse(raw) : {}
    if (!parsed || typeof parsed !== 'object') return {}
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    )
  } catch {
    return {}
  }
}

function rememberChosenFolder(key: string, folder: string): void {
  try {
    localStorage.setItem(CHOSEN_FOLDERS_KEY, JSON.stringify({ ...readChosenFolders(), [key]: folder }))
  } catch {
    // Storage may be unavailable (private mode, quota); the choice still holds until reload.
  }
}

type ItemAction = 'downloads:pause' | 'downloads:resume' | 'downloads:cancel' | 'downloads:retry'
type ItemsById = Readonly<Record<string, DownloadItem>>

/**
 * The list as answered, with what events brought while it was on its way: of two copies of a
 * download the higher revision wins, and one the list does not know yet (just started) stays.
 */
function mergeListed(listed: ItemsById, current: ItemsById | null): ItemsById {
  const next: Record<string, DownloadItem> = { ...listed }
  for (const [id, item] of Object.entries(current ?? {})) {
    const answered = next[id]
    if (!answered || answered.revision < item.revision) next[id] = item
  }
  return next
}

/** Downloads as the main process reports them, their actions, and each environment's target folder. */
export const useDownloadsStore = defineStore('downloads', () => {
  const listing = createResource(
    async (): Promise<ItemsById> =>
      Object.fromEntries((await useApi().call('downloads:list')).map((item) => [item.id, item])),
    { merge: mergeListed },
  )
  /** The last failed action, shown at the top of the panel. */
  const actionError = ref<string | null>(null)
  const panelOpen = ref(false)
  /** Target folder per environment: the default from main, or what the user chose. */
  const folders = ref<Record<string, string>>({})
  const folderErrors = ref<Record<string, string>>({})
  /** Parts whose start request is in flight, to disable their buttons. */
  const starting = ref<Record<string, boolean>>({})
  let unsubscribe: (() => void) | null = null

  const items = computed<ItemsById>(() => listing.data ?? {})
  const ordered = computed(() => Object.values(items.value).sort((a, b) => b.createdAt - a.createdAt))
  const active = computed(() => ordered.value.filter(isActiveDownload))
  const done = computed(() => ordered.value.filter((item) => item.state === 'done'))
  const failed = computed(() => ordered.value.filter((item) => FAILED_STATES.has(item.state)))
  /** Latest download of each backup part. */
  const byPart = computed(() => {
    const map = new Map<string, DownloadItem>()
    for (const item of [...ordered.value].reverse())
      map.set(partKey(item.siteId, item.env, item.folder, item.element), item)
    return map
  })

  function put(item: DownloadItem): void {
    // An answer to a call can arrive after events about the same download: keep the fresher one.
    listing.update((current) => {
      const known = current?.[item.id]
      return known && known.revision > item.revision ? current : { ...current, [item.id]: item }
    })
  }

  function forget(id: string): void {
    listing.update((current) => {
      if (!current?.[id]) return current
      const { [id]: _gone, ...rest } = current
      return rest
    })
  }

  async function load(): Promise<void> {
    unsubscribe ??= useApi().on('downloads:changed', (change) => {
      if (change.type === 'removed') forget(change.id)
      else put(change.item)
    })
    await listing.reload()
  }

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  async function ensureFolder(siteId: string, env: string): Promise<string | null> {
    const key = envKey(siteId, env)
    if (folders.value[key]) return folders.value[key]
    const chosen = readChosenFolders()[key]
    if (chosen) {
      folders.value[key] = chosen
      return chosen
    }
    try {
      const folder = await useApi().call('downloads:default-folder', { siteId, env })
      folders.value[key] = folder
      delete folderErrors.value[key]
      return folder
    } catch (cause) {
      folderErrors.value[key] = messageOf(cause)
      return null
    }
  }

  function setFolder(siteId: string, env: string, folder: string): void {
    const key = envKey(siteId, env)
    folders.value[key] = folder.trim()
    rememberChosenFolder(key, folder.trim())
  }

  /** Opens the OS folder picker; null means cancelled or unavailable (browser mode). */
  async function chooseFolder(siteId: string, env: string): Promise<string | null> {
    const key = envKey(siteId, env)
    try {
      const chosen = await useApi().call('downloads:choose-folder', { defaultPath: folders.value[key] ?? '' })
      if (chosen) {
        folders.value[key] = chosen
        rememberChosenFolder(key, chosen)
      }
      return chosen
    } catch (cause) {
      folderErrors.value[key] = messageOf(cause)
      return null
    }
  }

  /** Queues parts of a backup; returns false (with `actionError` set) when the main process refused. */
  async function start(
    siteId: string,
    env: string,
    folder: string,
    elements: readonly BackupElement[],
  ): Promise<boolean> {
    const keys = elements.map((element) => partKey(siteId, env, folder, element))
    for (const key of keys) starting.value[key] = true
    actionError.value = null
    try {
      const destDir = folders.value[envKey(siteId, env)] ?? (await ensureFolder(siteId, env)) ?? undefined
      const started = await useApi().call('downloads:start', { siteId, env, folder, elements: [...elements], destDir })
      for (const item of started) put(item)
      return true
    } catch (cause) {
      actionError.value = messageOf(cause)
      return false
    } finally {
      for (const key of keys) delete starting.value[key]
    }
  }

  async function act(channel: ItemAction, id: string): Promise<void> {
    actionError.value = null
    try {
      put(await useApi().call(channel, { id }))
    } catch (cause) {
      actionError.value = messageOf(cause)
    }
  }

  async function remove(id: string): Promise<void> {
    actionError.value = null
    try {
      await useApi().call('downloads:remove', { id })
      forget(id)
    } catch (cause) {
      actionError.value = messageOf(cause)
    }
  }

  /** Takes every finished download off the list (the files stay on disk). */
  async function clearDone(): Promise<void> {
    for (const item of done.value) await remove(item.id)
  }

  /** Shows the file in the OS file manager; returns the path and whether it could be shown. */
  async function reveal(id: string): Promise<{ path: string; shown: boolean } | null> {
    actionError.value = null
    try {
      return await useApi().call('downloads:reveal', { id })
    } catch (cause) {
      actionError.value = messageOf(cause)
      return null
    }
  }

  return {
    listing,
    items,
    actionError,
    panelOpen,
    folders,
    folderErrors,
    starting,
    ordered,
    active,
    done,
    failed,
    byPart,
    load,
    stopListening,
    ensureFolder,
    setFolder,
    chooseFolder,
    start,
    pause: (id: string) => act('downloads:pause', id),
    resume: (id: string) => act('downloads:resume', id),
    cancel: (id: string) => act('downloads:cancel', id),
    retry: (id: string) => act('downloads:retry', id),
    remove,
    clearDone,
    reveal,
  }
})
