/**
 * Deploys dev → test and test → live: what each would bring (the preview: the commits first,
 * what it leaves behind, why there may be nothing to deploy) and the start of the platform's
 * deploy workflow, which the workflows store then shows and whose end moves test or live on
 * screen (the rollback store follows it).
 */
import { defineStore } from 'pinia'
import type { InvokeRequest } from '../../../shared/ipc'
import type { Workflow } from '../../../shared/platform-types'
import type { DeployPreview } from '../../../shared/rollback'
import { useApi } from '../api/client'
import type { DeployTarget } from '../lib/rollback'
import { createResourceMap, type Resource } from './resource'
import { useRollbackStore } from './rollback'

export type DeployRequest = InvokeRequest<'deploy:start'>

export const useDeploysStore = defineStore('deploys', () => {
  const previews = createResourceMap(
    (siteId: string, to: DeployTarget) => `${siteId}/${to}`,
    (siteId: string, to: DeployTarget) => useApi().call('deploy:preview', { siteId, to }),
  )

  function preview(siteId: string, to: DeployTarget): Resource<DeployPreview> {
    return previews.get(siteId, to)
  }

  /** Asks main again: what the source holds may have moved since the last look. */
  function loadPreview(siteId: string, to: DeployTarget): Promise<DeployPreview | null> {
    return previews.entry(siteId, to).reload()
  }

  /** Starts the deploy; throws main's message (nothing to deploy, busy, the confirmation) for the dialog. */
  async function start(request: DeployRequest): Promise<Workflow> {
    const workflow = await useApi().call('deploy:start', { ...request })
    previews.reset()
    useRollbackStore().followWorkflow(request.siteId, request.to, workflow)
    return workflow
  }

  /** Forgets every preview (another platform's sites are other sites). */
  function reset(): void {
    previews.reset()
  }

  return { preview, loadPreview, start, reset }
})
