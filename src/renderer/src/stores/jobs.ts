/**
 * What the restore, undo, clone and import dialogs ask before anything happens (the previews) and the
 * starts themselves. A started job goes to the activity store at once, so its card shows before
 * the next poll; each start is a person's act, the one moment notifications may be asked for.
 */
import { defineStore } from 'pinia'
import type { InvokeRequest } from '../../../shared/ipc'
import type { ClonePreview, Job, RestorePreview } from '../../../shared/jobs'
import { useApi } from '../api/client'
import { askNotificationPermission } from '../lib/notify'
import { useActivityStore } from './activity'
import { useAppStore } from './app'
import { createResourceMap, type Resource } from './resource'

/** Which backup to restore into which environment. */
export type RestoreSource = InvokeRequest<'restore:preview'>
export type RestoreRequest = InvokeRequest<'restore:start'>
export type UndoRequest = InvokeRequest<'restore:undo'>
export type CloneSource = InvokeRequest<'clone:preview'>
export type CloneRequest = InvokeRequest<'clone:start'>
export type ImportRequest = InvokeRequest<'imports:start'>
export type UrlImportRequest = InvokeRequest<'imports:start-url'>

export const useJobsStore = defineStore('jobs', () => {
  const restorePreviews = createResourceMap(
    (source: RestoreSource) => `${source.siteId}/${source.env}/${source.sourceEnv}/${source.folder}`,
    (source: RestoreSource) => useApi().call('restore:preview', { ...source }),
  )
  const undoPreviews = createResourceMap(
    (jobId: string) => jobId,
    (jobId: string) => useApi().call('restore:undo-preview', { jobId }),
  )
  const clonePreviews = createResourceMap(
    (source: CloneSource) => `${source.siteId}/${source.from}/${source.to}`,
    (source: CloneSource) => useApi().call('clone:preview', { ...source }),
  )

  function restorePreview(source: RestoreSource): Resource<RestorePreview> {
    return restorePreviews.get(source)
  }

  /** Asks for a fresh preview: what the environment holds may have changed since the last one. */
  function loadRestorePreview(source: RestoreSource): Promise<RestorePreview | null> {
    return restorePreviews.entry(source).reload()
  }

  function undoPreview(jobId: string): Resource<RestorePreview> {
    return undoPreviews.get(jobId)
  }

  function loadUndoPreview(jobId: string): Promise<RestorePreview | null> {
    return undoPreviews.entry(jobId).reload()
  }

  function clonePreview(source: CloneSource): Resource<ClonePreview> {
    return clonePreviews.get(source)
  }

  function loadClonePreview(source: CloneSource): Promise<ClonePreview | null> {
    return clonePreviews.entry(source).reload()
  }

  /** What every start does first, while the person's click still counts as theirs. */
  function beforeStart(): void {
    if (useAppStore().info?.mode === 'browser') askNotificationPermission()
  }

  function started(job: Job): Job {
    useActivityStore().adopt(job)
    return job
  }

  /** Starts a restore; throws the main process's message for the dialog to show. */
  async function startRestore(request: RestoreRequest): Promise<Job> {
    beforeStart()
    return started(await useApi().call('restore:start', { ...request, parts: [...request.parts] }))
  }

  async function startUndo(request: UndoRequest): Promise<Job> {
    beforeStart()
    return started(await useApi().call('restore:undo', { ...request }))
  }

  async function startClone(request: CloneRequest): Promise<Job> {
    beforeStart()
    return started(await useApi().call('clone:start', { ...request }))
  }

  /** Starts an import of staged files (their tokens); throws main's message for the dialog to show. */
  async function startImport(request: ImportRequest): Promise<Job> {
    beforeStart()
    return started(await useApi().call('imports:start', { ...request }))
  }

  async function startImportFromUrl(request: UrlImportRequest): Promise<Job> {
    beforeStart()
    return started(await useApi().call('imports:start-url', { ...request }))
  }

  /** Stops an import's upload; the job fails as cancelled, and its card shows that once main says so. */
  async function cancelImport(jobId: string): Promise<Job> {
    const job = await useApi().call('imports:cancel', { jobId })
    void useActivityStore().refresh()
    return job
  }

  /** Forgets every preview (after switching connections). */
  function reset(): void {
    restorePreviews.reset()
    undoPreviews.reset()
    clonePreviews.reset()
  }

  return {
    restorePreview,
    loadRestorePreview,
    undoPreview,
    loadUndoPreview,
    clonePreview,
    loadClonePreview,
    startRestore,
    startUndo,
    startClone,
    startImport,
    startImportFromUrl,
    cancelImport,
    reset,
  }
})
