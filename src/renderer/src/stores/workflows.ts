/**
 * Platform jobs the user started from this window (backups for now) and their progress, fed by
 * `workflows:progress` events. When a backup job finishes, the environment's timeline reloads
 * so the new backup appears without the user asking.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { BackupElement, WorkflowProgress } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { useBackupsStore } from './backups'
import { createResource } from './resource'

/** What "Back up now" sends. */
export interface BackupNowRequest {
  readonly siteId: string
  readonly env: string
  readonly parts: { readonly [E in BackupElement]: boolean }
  readonly keepForDays: number
}

/** A tracked job; `dismissed` hides a finished one from the site view. */
export interface TrackedWorkflow extends WorkflowProgress {
  readonly dismissed: boolean
}

/** Jobs started from this window and their live progress; a finished backup reloads its timeline. */
export const useWorkflowsStore = defineStore('workflows', () => {
  const byId = ref<Record<string, TrackedWorkflow>>({})
  /** Jobs the platform was already running when this window opened. */
  const running = createResource(() => useApi().call('workflows:active'))
  let unsubscribe: (() => void) | null = null

  const all = computed(() =>
    Object.values(byId.value).sort((a, b) => (b.workflow.createdAt ?? 0) - (a.workflow.createdAt ?? 0)),
  )

  function forEnv(siteId: string, env: string): TrackedWorkflow[] {
    return all.value.filter((entry) => entry.siteId === siteId && entry.env === env && !entry.dismissed)
  }

  function record(progress: WorkflowProgress): void {
    const previous = byId.value[progress.workflow.id]
    // An event can overtake the `backups:create` answer; never go back from finished to running.
    if (previous?.workflow.finished && !progress.workflow.finished) return
    byId.value[progress.workflow.id] = { ...progress, dismissed: previous?.dismissed ?? false }
    if (progress.workflow.finished && !previous?.workflow.finished && progress.env) {
      void useBackupsStore().load(progress.siteId, progress.env)
    }
  }

  /** Subscribes to progress events once for the app's lifetime, and picks up jobs already running. */
  function listen(): void {
    if (unsubscribe) return
    unsubscribe = useApi().on('workflows:progress', record)
    // After a reload, jobs started earlier would otherwise stay invisible until their next poll.
    // A failure only leaves them to their next event; `running.error` keeps why.
    void running.reload().then((active) => active?.forEach(record))
  }

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  /** Starts a backup; throws the platform's message for the dialog to show. */
  async function backUpNow(request: BackupNowRequest): Promise<TrackedWorkflow> {
    listen()
    const workflow = await useApi().call('backups:create', {
      siteId: request.siteId,
      env: request.env,
      parts: { ...request.parts },
      keepForDays: request.keepForDays,
    })
    record({ siteId: request.siteId, env: request.env, workflow, stalled: false })
    return byId.value[workflow.id] as TrackedWorkflow
  }

  function dismiss(id: string): void {
    const entry = byId.value[id]
    if (entry) byId.value[id] = { ...entry, dismissed: true }
  }

  return { byId, running, all, forEnv, record, listen, stopListening, backUpNow, dismiss }
})
