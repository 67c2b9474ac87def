/**
 * How the page words the ways back (revert, roll back, reset, the undo of a reset) and the
 * deploys dev → test → live: dialog titles, the buttons that carry them out, what a reset's
 * discarded commits mean for test and live, and what a deploy brings or leaves behind. Pure, so
 * it is tested without a DOM.
 */
import type { RevertMode } from '../../../shared/rollback'
import type { Workflow } from '../../../shared/platform-types'
import { commitCount, formatCount, shortOid } from './history'

/** The one environment the ways back move: new commits land on dev, and a reset rewrites dev. */
export const DEV = 'dev'

/** Where a deploy can go, and where each takes its code from. */
export type DeployTarget = 'test' | 'live'
export const DEPLOY_SOURCE: Readonly<Record<DeployTarget, string>> = { test: 'dev', live: 'test' }

/** Whether an environment takes deploys (test and live do; dev gets its code by push). */
export function isDeployTarget(env: string): env is DeployTarget {
  return env === 'test' || env === 'live'
}

/** The button that carries a revert out, and the start of its dialog's name. */
export function revertActionLabel(mode: RevertMode): string {
  return mode === 'revert' ? 'Revert' : 'Roll back'
}

/** "Revert 1a2b3c4", "Roll back dev to 1a2b3c4". */
export function revertTitle(mode: RevertMode, oid: string): string {
  return mode === 'revert' ? `Revert ${shortOid(oid)}` : `Roll back ${DEV} to ${shortOid(oid)}`
}

/** "Reset dev to 1a2b3c4". */
export function resetTitle(oid: string): string {
  return `Reset ${DEV} to ${shortOid(oid)}`
}

/** "Deploy to test". */
export function deployTitle(to: DeployTarget): string {
  return `Deploy to ${to}`
}

/** "3 files changed, 12 added, 4 removed", as a commit's detail sums its files. */
export function changeTotals(totals: {
  readonly files: number
  readonly added: number
  readonly removed: number
}): string {
  return `${formatCount(totals.files)} file${totals.files === 1 ? '' : 's'} changed, ${formatCount(totals.added)} added, ${formatCount(totals.removed)} removed`
}

/** "and 12 more" when a list shows fewer than it counts, else null. */
export function moreLine(shown: number, total: number): string | null {
  const hidden = total - shown
  return hidden > 0 ? `and ${formatCount(hidden)} more` : null
}

/** "1 file conflicts", "3 files conflict". */
export function conflictLine(count: number): string {
  return count === 1 ? '1 file conflicts' : `${formatCount(count)} files conflict`
}

/** "Resetting discards 5 commits from dev". */
export function discardedLine(count: number): string {
  return `Resetting discards ${commitCount(count)} from ${DEV}`
}

/** "test holds 3 of them", "test holds it", "live holds all 5 of them". */
export function heldByLine(held: { readonly env: string; readonly count: number }, discarded: number): string {
  if (discarded === 1) return `${held.env} holds it`
  if (held.count === discarded) return `${held.env} holds all ${formatCount(discarded)} of them`
  return `${held.env} holds ${formatCount(held.count)} of them`
}

/** What it means that an environment holds commits the reset takes off dev. */
export function heldByConsequence(env: string, count: number): string {
  const them = count === 1 ? 'it' : 'them'
  const source = isDeployTarget(env) ? DEPLOY_SOURCE[env] : DEV
  return (
    `After the reset ${env} keeps running ${them} although ${DEV} no longer has ${them}: ` +
    `the next deploy from ${source} takes ${them} out of ${env}, and a later change on ${DEV} does not bring ${them} back.`
  )
}

/** "4 commits from dev that test lacks". */
export function deployCommitsLine(count: number, from: string, to: string): string {
  return `${commitCount(count)} from ${from} that ${to} lacks`
}

/** What a deploy does with the commits the target holds and its source no longer has (after a reset of dev). */
export function leftBehindLine(count: number, from: string, to: string): string {
  const them = count === 1 ? 'it' : 'them'
  return (
    `${to} has ${commitCount(count)} ${from} no longer has (${from} was reset since). ` +
    `A deploy brings ${to} to ${from}’s code without ${them}; ${them === 'it' ? 'it stays' : 'they stay'} only in ${to}’s earlier deploy tags.`
  )
}

/** Main's error code for a push whose lease failed: the remote moved since the preview. */
export const LEASE_ERROR = 'git_lease'

/** What a finished workflow's card says it did, by the workflow's type (the cards show backups, deploys and code syncs). */
export function workflowDoneLine(workflow: Pick<Workflow, 'type' | 'environment'>): string {
  const env = workflow.environment ?? 'The environment'
  switch (workflow.type) {
    case 'do_export':
      return 'The new backup is in the timeline below.'
    case 'deploy':
      return `${env} now runs the deployed code.`
    case 'sync_code':
      return `${env} now runs the new commit.`
    default:
      return 'Finished.'
  }
}
