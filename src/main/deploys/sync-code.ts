/**
 * Finding the `sync_code` workflow a push to master started. The platform starts it itself
 * (nobody gets its id back from the push), so the app lists the site's workflows and takes the
 * newest `sync_code` on dev created at or after the push began, asking again about once a second
 * for up to ten seconds. The embedded platform names the commit it syncs to
 * (`params.target_commit`); one naming another commit is a different push and is passed over.
 * Creation times come from the platform's clock, so a little slack absorbs a clock that runs
 * a second behind this machine's.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { Workflow } from '../../shared/platform-types'
import type { PlatformClient } from '../api/client'

/** How long to look for the workflow after the push answered. */
export const SYNC_CODE_WAIT_MS = 10_000
/** How far the platform's clock may run behind this machine's. */
const CLOCK_SLACK_MS = 2_000

export interface FindSyncCodeOptions {
  readonly waitMs?: number
  /** Between two asks; the contract asks for polls at least a second apart. */
  readonly intervalMs?: number
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

/** Whether `workflow` is the sync of a push of `commit` made at or after `since`. */
export function isSyncOf(workflow: Workflow, commit: string, since: number): boolean {
  if (workflow.type !== 'sync_code' || workflow.environment !== 'dev') return false
  if (workflow.createdAt === null || workflow.createdAt < since - CLOCK_SLACK_MS) return false
  const target = workflow.params['target_commit']
  return typeof target !== 'string' || target === commit
}

/**
 * The `sync_code` a push of `commit` (begun at `since`, epoch ms) started on dev, or null when
 * none shows within the wait (a platform that syncs without a workflow, or a slow queue).
 */
export async function findSyncCode(
  client: Pick<PlatformClient, 'listWorkflows'>,
  siteId: string,
  commit: string,
  since: number,
  options: FindSyncCodeOptions = {},
): Promise<Workflow | null> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined))
  const interval = Math.max(1000, options.intervalMs ?? 1000)
  const deadline = now() + (options.waitMs ?? SYNC_CODE_WAIT_MS)
  for (;;) {
    const found = (await client.listWorkflows(siteId))
      .filter((workflow) => isSyncOf(workflow, commit, since))
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0]
    if (found) return found
    if (now() + interval > deadline) return null
    await sleep(interval)
  }
}
