/**
 * The ways back for a commit of the code history: what a revert, a roll back or a reset of dev
 * would do (the previews, made by main on a fresh fetch, nothing moved), the last reset that can
 * be undone, and the moves themselves. A move hands the platform's `sync_code` workflow to the
 * workflows store (its card shows the progress) and has the code history, the site's details and
 * the code logs read again, once at once and once more when the workflow ends, so dev, test and
 * live move on screen.
 */
import { defineStore } from 'pinia'
import type { InvokeRequest } from '../../../shared/ipc'
import type { Workflow } from '../../../shared/platform-types'
import type { CodeMoveResult, ResetPreview, ResetUndo, RevertMode, RevertPreview } from '../../../shared/rollback'
import { useApi } from '../api/client'
import { useActivityStore } from './activity'
import { useHistoryStore } from './history'
import { createResourceMap, type Resource } from './resource'
import { useSitesStore } from './sites'
import { useWorkflowsStore } from './workflows'

export type RevertRequest = InvokeRequest<'rollback:revert'>
export type ResetRequest = InvokeRequest<'rollback:reset'>
export type UndoResetRequest = InvokeRequest<'rollback:undo-reset'>

/** The environments whose code logs a move can change. */
const SHOWN_ENVS = ['dev', 'test', 'live'] as const

/**
 * Has everything that shows where the code stands read again: the history (a refresh, so the
 * clone fetches what moved) and the chosen commit's detail (its badges) when they are this
 * site's, the site's environments, and the code logs the page has read.
 */
export function reloadCodeViews(siteId: string): void {
  const history = useHistoryStore()
  if (history.siteId === siteId) {
    void history.refresh()
    history.reloadDetail()
  }
  const sites = useSitesStore()
  void sites.open(siteId, { force: true })
  for (const env of SHOWN_ENVS)
    if (sites.codeLog(siteId, env).loaded) void sites.loadCodeLog(siteId, env, { force: true })
  void useActivityStore().refresh()
}

export const useRollbackStore = defineStore('rollback', () => {
  const revertPreviews = createResourceMap(
    (siteId: string, oid: string, mode: RevertMode) => `${siteId}/${oid}/${mode}`,
    (siteId: string, oid: string, mode: RevertMode) => useApi().call('rollback:revert-preview', { siteId, oid, mode }),
  )
  const resetPreviews = createResourceMap(
    (siteId: string, oid: string) => `${siteId}/${oid}`,
    (siteId: string, oid: string) => useApi().call('rollback:reset-preview', { siteId, oid }),
  )
  const undoInfos = createResourceMap(
    (siteId: string) => siteId,
    // A resource holds no null: "nothing to undo" is kept as `{ undo: null }`.
    async (siteId: string) => ({ undo: await useApi().call('rollback:reset-undo-info', { siteId }) }),
  )
  /** Workflows whose end moves code on screen (plain: nothing shows it). */
  const following = new Map<string, string>()
  let unsubscribe: (() => void) | null = null

  function revertPreview(siteId: string, oid: string, mode: RevertMode): Resource<RevertPreview> {
    return revertPreviews.get(siteId, oid, mode)
  }

  /** Asks main again: dev may have moved since the last preview, and the apply needs its newest head. */
  function loadRevertPreview(siteId: string, oid: string, mode: RevertMode): Promise<RevertPreview | null> {
    return revertPreviews.entry(siteId, oid, mode).reload()
  }

  function resetPreview(siteId: string, oid: string): Resource<ResetPreview> {
    return resetPreviews.get(siteId, oid)
  }

  function loadResetPreview(siteId: string, oid: string): Promise<ResetPreview | null> {
    return resetPreviews.entry(siteId, oid).reload()
  }

  /** The last reset of dev that can be undone; null while unknown, or when there is none. */
  function undoInfo(siteId: string): ResetUndo | null {
    return undoInfos.get(siteId).data?.undo ?? null
  }

  function undoInfoResource(siteId: string): Resource<{ undo: ResetUndo | null }> {
    return undoInfos.get(siteId)
  }

  async function loadUndoInfo(siteId: string): Promise<ResetUndo | null> {
    return (await undoInfos.entry(siteId).reload())?.undo ?? null
  }

  function listen(): void {
    unsubscribe ??= useApi().on('workflows:progress', (progress) => {
      const siteId = following.get(progress.workflow.id)
      if (siteId === undefined || !progress.workflow.finished) return
      following.delete(progress.workflow.id)
      reloadCodeViews(siteId)
    })
  }

  /**
   * Follows a workflow that moves an environment's code: its card in the workflows store, and
   * the code views read again when it ends (at once if an event already said it ended).
   */
  function followWorkflow(siteId: string, env: string, workflow: Workflow): void {
    const workflows = useWorkflowsStore()
    workflows.listen()
    listen()
    workflows.record({ siteId, env, workflow, stalled: false })
    if (workflows.byId[workflow.id]?.workflow.finished) reloadCodeViews(siteId)
    else following.set(workflow.id, siteId)
  }

  /** What every move does after main answers: previews are stale now, the sync is followed, the views reload. */
  function moved(siteId: string, result: CodeMoveResult): CodeMoveResult {
    revertPreviews.reset()
    resetPreviews.reset()
    if (result.workflow) followWorkflow(siteId, 'dev', result.workflow)
    reloadCodeViews(siteId)
    void loadUndoInfo(siteId)
    return result
  }

  /** Makes the revert or roll back commit on the preview's head and pushes it; throws main's error for the dialog. */
  async function revert(request: RevertRequest): Promise<CodeMoveResult> {
    return moved(request.siteId, await useApi().call('rollback:revert', { ...request }))
  }

  /** Force-pushes dev to the commit with a lease on the preview's head; throws main's error (a lease refusal too). */
  async function resetDev(request: ResetRequest): Promise<CodeMoveResult> {
    return moved(request.siteId, await useApi().call('rollback:reset', { ...request }))
  }

  async function undoReset(request: UndoResetRequest): Promise<CodeMoveResult> {
    return moved(request.siteId, await useApi().call('rollback:undo-reset', { ...request }))
  }

  /** Forgets every preview and undo (another platform's sites are other sites). */
  function reset(): void {
    revertPreviews.reset()
    resetPreviews.reset()
    undoInfos.reset()
    following.clear()
  }

  function stop(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return {
    revertPreview,
    loadRevertPreview,
    resetPreview,
    loadResetPreview,
    undoInfo,
    undoInfoResource,
    loadUndoInfo,
    followWorkflow,
    revert,
    resetDev,
    undoReset,
    reset,
    stop,
  }
})
