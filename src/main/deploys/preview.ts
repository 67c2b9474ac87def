/**
 * What a deploy to test (from dev) or live (from test) would bring, from one of two sources:
 * the history's clone (the worker's gaps, exact counts as `git rev-list to..from`), or where
 * there is no clone the platform's code log, whose labels say which environments contain each
 * commit ("deployable to test = labelled dev but not test; to live = labelled test but not live").
 * The platform refuses a deploy exactly when `to` already contains `from`'s commit; the reason
 * the page shows then tells the ordinary case (nothing new) from the one after a reset of dev
 * (`to` holds commits `from` no longer has, which a deploy would not take away).
 */
import type { EnvGap, HistoryCommit } from '../../shared/history'
import type { CodeLogEntry, Environment } from '../../shared/platform-types'
import type { DeployPreview } from '../../shared/rollback'

/** Commits of each side listed in a preview (the counts are always whole). */
export const DEPLOY_LIST = 100

export type DeployTarget = 'test' | 'live'

/** The environment a deploy to `to` takes its code from. */
export function deploySource(to: DeployTarget): 'dev' | 'test' {
  return to === 'test' ? 'dev' : 'test'
}

const commits = (n: number): string => (n === 1 ? '1 commit' : `${n} commits`)

/** Why there is nothing to deploy from `from` to `to`, or null when there is something. */
export function nothingReason(
  from: string,
  to: string,
  fromCommit: string | null,
  count: number,
  leftBehindCount: number,
): string | null {
  if (fromCommit === null) return `${from} has no code yet, so there is nothing to deploy to ${to}.`
  if (count > 0) return null
  if (leftBehindCount === 0) return `${to} already has every commit of ${from}.`
  const held = `${to} holds ${commits(leftBehindCount)} ${from} no longer has; a deploy would not remove them`
  return from === 'dev'
    ? `dev was reset behind ${to}: ${held} — push a revert instead.`
    : `${from} is behind ${to} (its code was moved back): ${held} — bring ${from} forward first (deploy dev to test, or push a revert and deploy it).`
}

interface Sides {
  readonly siteId: string
  readonly to: DeployTarget
  readonly fromCommit: string | null
  readonly toCommit: string | null
  readonly busy: string | null
}

function preview(
  sides: Sides,
  forward: readonly HistoryCommit[],
  count: number,
  back: readonly HistoryCommit[],
  leftBehindCount: number,
): DeployPreview {
  const from = deploySource(sides.to)
  return {
    siteId: sides.siteId,
    to: sides.to,
    from,
    fromCommit: sides.fromCommit,
    toCommit: sides.toCommit,
    commits: forward.slice(0, DEPLOY_LIST),
    count,
    leftBehind: back.slice(0, DEPLOY_LIST),
    leftBehindCount,
    nothingReason: nothingReason(from, sides.to, sides.fromCommit, count, leftBehindCount),
    busy: sides.busy,
  }
}

/** The preview from the history's gap between the two environments (computed on the clone). */
export function previewFromGap(sides: Sides, gap: EnvGap): DeployPreview {
  return preview(sides, gap.commits, gap.count, gap.reverseCommits, gap.reverseCount)
}

/** A code log entry as a history row; the log has no author time, so its commit time stands in. */
function rowOf(entry: CodeLogEntry, environments: readonly Environment[]): HistoryCommit {
  const at = environments.filter((env) => env.targetCommit === entry.hash)
  return {
    oid: entry.hash,
    parents: entry.parents,
    subject: entry.message.split('\n', 1)[0]!.trim(),
    authorName: entry.author,
    authorEmail: entry.email,
    authoredAt: entry.committedAt,
    committedAt: entry.committedAt,
    envsAt: at.map((env) => env.name),
    envsContaining: entry.labels,
    tags: at.flatMap((env) => (env.deployTag ? [env.deployTag] : [])),
  }
}

/**
 * The preview from the code log's labels. `log` holds the commits of both environments (the
 * embedded platform lists every environment's in one log; Pantheon only the asked one's, so the
 * caller reads both), newest first, each once.
 */
export function previewFromCodeLog(
  sides: Sides,
  log: readonly CodeLogEntry[],
  environments: readonly Environment[],
): DeployPreview {
  const from = deploySource(sides.to)
  const forward = log.filter((entry) => entry.labels.includes(from) && !entry.labels.includes(sides.to))
  const back = log.filter((entry) => entry.labels.includes(sides.to) && !entry.labels.includes(from))
  const rows = (entries: readonly CodeLogEntry[]) =>
    entries.slice(0, DEPLOY_LIST).map((entry) => rowOf(entry, environments))
  return preview(sides, rows(forward), forward.length, rows(back), back.length)
}

/** Two code logs (newest first) as one, each commit once, newest first. */
export function mergeCodeLogs(...logs: readonly (readonly CodeLogEntry[])[]): CodeLogEntry[] {
  const byHash = new Map<string, CodeLogEntry>()
  for (const log of logs) for (const entry of log) if (!byHash.has(entry.hash)) byHash.set(entry.hash, entry)
  return [...byHash.values()].sort((a, b) => b.committedAt - a.committedAt)
}
