/**
 * Files on their way into an import: each dropped or picked file is staged (handed to main,
 * which gives back a token), then inspected by content; a refused file becomes an alert naming
 * it, what is wrong and what to do, and main forgets it at once (`imports:discard`). What passes
 * waits in `pending` for the confirm dialog: at most one database dump and one files archive
 * per import; any further one is left out with the reason. Also what the connection allows
 * (`imports:capabilities`: Pantheon takes no uploads, only imports by URL).
 *
 * Folders: Electron's main process packs a dropped folder into a `.tar.gz`; a browser cannot
 * read one, so in browser mode it is refused here, before anything is sent.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ImportCapabilities, ImportProgress } from '../../../shared/imports'
import { useApi } from '../api/client'
import type { ImportPick } from '../lib/file-drop'
import { messageOf } from '../lib/format'
import { chooseImports, isEmptyChoice, type ImportChoice, type LeftOut, type ReadyImport } from '../lib/imports'
import { useAppStore } from './app'
import { createResourceMap, type Resource } from './resource'

/** A file being staged or inspected, with its progress. */
export interface ImportEntry {
  readonly id: number
  readonly siteId: string
  readonly env: string
  name: string
  phase: ImportProgress['phase']
  bytes: number
  /** Null while the size is not known (a folder being packed). */
  total: number | null
  token: string | null
}

/** A file that will not be imported, shown on its environment until dismissed. */
export interface ImportAlert extends LeftOut {
  readonly id: number
  readonly siteId: string
  readonly env: string
}

/** What the confirm dialog offers: one import into one environment. */
export interface PendingImport extends ImportChoice {
  readonly siteId: string
  readonly env: string
}

export const FOLDER_IN_BROWSER =
  'Folders cannot be read in the browser: pack it into a .tar.gz or .zip first, or use the desktop app.'

export const useImportsStore = defineStore('imports', () => {
  // Per environment: the limits are the environment's own (main asks the platform's uploads/limits).
  const capabilityMap = createResourceMap(
    (siteId: string, env: string) => `${siteId}/${env}`,
    (siteId: string, env: string) => useApi().call('imports:capabilities', { siteId, env }),
  )
  const entries = ref<ImportEntry[]>([])
  const alerts = ref<ImportAlert[]>([])
  const pending = ref<PendingImport | null>(null)

  let nextId = 1
  // Bumped by reset: files still on their way from before a connection switch are let go.
  let generation = 0
  let unsubscribe: (() => void) | null = null

  function listen(): void {
    unsubscribe ??= useApi().on('imports:progress', (progress) => {
      const entry = entries.value.find((candidate) => candidate.token === progress.token)
      if (!entry) return
      entry.phase = progress.phase
      entry.bytes = progress.bytes
      entry.total = progress.total
    })
  }

  function mode(): 'electron' | 'browser' {
    return useAppStore().info?.mode ?? (window.restoreDesk ? 'electron' : 'browser')
  }

  function alert(siteId: string, env: string, leftOut: LeftOut): void {
    alerts.value = [...alerts.value, { id: nextId++, siteId, env, ...leftOut }]
  }

  /** Tells main to forget a staged file; one it cannot find is not an error, and a failed call only leaves it for main's daily cleanup. */
  function discard(token: string): void {
    useApi()
      .call('imports:discard', { token })
      .catch(() => undefined)
  }

  function forget(id: number): void {
    entries.value = entries.value.filter((entry) => entry.id !== id)
  }

  /** Stages and inspects one file; resolves with the inspection when it can be imported, else null (alerted). */
  async function prepare(siteId: string, env: string, pick: ImportPick): Promise<ReadyImport | null> {
    const id = nextId++
    entries.value = [
      ...entries.value,
      {
        id,
        siteId,
        env,
        name: pick.file.name,
        phase: pick.folder ? 'packing' : 'staging',
        bytes: 0,
        total: pick.folder ? null : pick.file.size,
        token: null,
      },
    ]
    const entry = () => entries.value.find((candidate) => candidate.id === id)
    const api = useApi()
    try {
      const staged = await api.stage(pick.file, (sent, total) => {
        const current = entry()
        if (!current) return
        current.bytes = sent
        current.total = total
      })
      const current = entry()
      if (current) Object.assign(current, { token: staged.token, name: staged.name, phase: 'inspecting', bytes: 0 })
      let inspection
      try {
        inspection = await api.call('imports:inspect', { token: staged.token })
      } catch (cause) {
        discard(staged.token)
        throw cause
      }
      if (inspection.ok) return inspection
      discard(inspection.token)
      alert(siteId, env, { name: inspection.name, problem: inspection.refusal.problem, todo: inspection.refusal.todo })
      return null
    } catch (cause) {
      alert(siteId, env, { name: pick.file.name, problem: messageOf(cause), todo: null })
      return null
    } finally {
      forget(id)
    }
  }

  /** Puts what passed inspection into the pending import of `env`; the rest are left out, each with its reason. */
  function offer(siteId: string, env: string, ready: readonly ReadyImport[]): void {
    const current = pending.value
    if (current && (current.siteId !== siteId || current.env !== env)) {
      for (const file of ready) {
        discard(file.token)
        alert(siteId, env, {
          name: file.name,
          problem: `An import into ${current.env} is waiting for your answer: ${file.name} was left out.`,
          todo: 'Finish or cancel that import, then drop the file again.',
        })
      }
      return
    }
    const { choice, leftOut } = chooseImports(current ?? { files: null, database: null }, ready)
    for (const file of leftOut) {
      discard(file.token)
      alert(siteId, env, { name: file.name, problem: file.problem, todo: file.todo })
    }
    if (!isEmptyChoice(choice)) pending.value = { siteId, env, ...choice }
  }

  /**
   * Takes dropped or picked files for an import into `env`: stages and inspects each (in
   * parallel, each with its progress), then offers the importable ones for confirmation.
   */
  async function receive(siteId: string, env: string, picks: readonly ImportPick[]): Promise<void> {
    listen()
    const mine = generation
    // Null when the question failed: main still refuses what the connection cannot take.
    const allowed = await capabilityMap.entry(siteId, env).load()
    if (allowed && !allowed.upload) {
      for (const pick of picks)
        alert(siteId, env, {
          name: pick.file.name,
          problem: allowed.uploadNote ?? 'This connection takes no uploads from disk.',
          todo: 'Use “Import from URL” instead.',
        })
      return
    }
    const browser = mode() === 'browser'
    const results = await Promise.all(
      picks.map((pick) => {
        if (!browser || !pick.folder) return prepare(siteId, env, pick)
        alert(siteId, env, { name: pick.file.name, problem: FOLDER_IN_BROWSER, todo: null })
        return null
      }),
    )
    const ready = results.filter((result) => result !== null)
    if (mine !== generation) {
      for (const file of ready) discard(file.token)
      return
    }
    offer(siteId, env, ready)
  }

  /** What the connection lets an import into `env` do; `load()` it to ask. */
  function capabilities(siteId: string, env: string): Resource<ImportCapabilities> {
    return capabilityMap.get(siteId, env)
  }

  function entriesFor(siteId: string, env: string): ImportEntry[] {
    return entries.value.filter((entry) => entry.siteId === siteId && entry.env === env)
  }

  function alertsFor(siteId: string, env: string): ImportAlert[] {
    return alerts.value.filter((entry) => entry.siteId === siteId && entry.env === env)
  }

  function dismissAlert(id: number): void {
    alerts.value = alerts.value.filter((entry) => entry.id !== id)
  }

  /** The pending import was started: its staged files are the job's now. */
  function startedPending(): void {
    pending.value = null
  }

  /** The dialog was closed without importing: main forgets the staged files. */
  function cancelPending(): void {
    const current = pending.value
    if (!current) return
    pending.value = null
    for (const file of [current.files, current.database]) if (file) discard(file.token)
  }

  /** Forgets everything (after switching connections): capabilities are asked again. */
  function reset(): void {
    generation += 1
    cancelPending()
    alerts.value = []
    entries.value = []
    capabilityMap.reset()
  }

  return {
    capabilities,
    pending,
    receive,
    entriesFor,
    alertsFor,
    dismissAlert,
    startedPending,
    cancelPending,
    reset,
  }
})
