/**
 * The arithmetic of a preview (pure): which commits a code restore loses and puts back, the
 * commit a backup most likely holds when the platform does not say, and the one sentence that
 * says what the person loses.
 *
 * Lost commits are those reachable from the current commit but not from the backup's, found by
 * walking `parents` through the code log; counting the commits between two dates would be wrong
 * as soon as a merge brings in older work. The code log is read in pages, newest first, so a
 * walk can reach a commit that is not read yet: the comparison says so (`complete: false`) and
 * the caller reads further, up to the client's cap.
 */
import type { CommitRef } from '../../shared/jobs'
import type { BackupElement, CodeLogEntry } from '../../shared/platform-types'
import { capitalized, formatWhen, joinWords, spanPhrase, type Clock } from './wording'

/** What a code restore from `backup` to `current` changes. */
export interface CommitComparison {
  /** Both commits are in the log (else every count is null). */
  readonly found: boolean
  /** No counted walk reached a commit the log does not have (or the log is whole). */
  readonly complete: boolean
  readonly lostCount: number | null
  readonly newestLost: CommitRef | null
  readonly regainedCount: number | null
}

/** The first line of a commit message. */
export function subjectOf(message: string): string {
  return message.split('\n', 1)[0]!.trim()
}

function toRef(commit: CodeLogEntry): CommitRef {
  return {
    hash: commit.hash,
    subject: subjectOf(commit.message),
    author: commit.author,
    committedAt: commit.committedAt,
  }
}

/**
 * Every commit reachable from `start` through the log, not entering `stop`; `missing` collects
 * the parents the log does not have.
 */
function walk(
  byHash: ReadonlyMap<string, CodeLogEntry>,
  start: string,
  stop: ReadonlySet<string>,
  missing: Set<string>,
): Set<string> {
  const seen = new Set<string>()
  const queue = [start]
  while (queue.length > 0) {
    const hash = queue.pop()!
    if (seen.has(hash) || stop.has(hash)) continue
    const commit = byHash.get(hash)
    if (!commit) {
      missing.add(hash)
      continue
    }
    seen.add(hash)
    queue.push(...commit.parents)
  }
  return seen
}

/**
 * Compares the current commit with the backup's through `log`. `logIsWhole`: the log ended
 * before the client's cap, so a parent it lacks does not exist for this platform (Pantheon lists
 * only the environment's own commits) and does not make the answer incomplete.
 */
export function compareCommits(
  log: readonly CodeLogEntry[],
  current: string | null,
  backup: string | null,
  logIsWhole: boolean,
): CommitComparison {
  const byHash = new Map(log.map((commit) => [commit.hash, commit]))
  const unknown = { lostCount: null, newestLost: null, regainedCount: null }
  if (!current || !backup || !byHash.has(current) || !byHash.has(backup)) {
    return { found: false, complete: logIsWhole, ...unknown }
  }
  const fromBackup = walk(byHash, backup, new Set(), new Set())
  const fromCurrent = walk(byHash, current, new Set(), new Set())
  // Only the walks that are counted must not run off the log's end: older shared history may.
  const missing = new Set<string>()
  const lost = walk(byHash, current, fromBackup, missing)
  const regained = walk(byHash, backup, fromCurrent, missing)
  const complete = logIsWhole || missing.size === 0
  if (!complete) return { found: true, complete, ...unknown }
  let newest: CodeLogEntry | null = null
  for (const hash of lost) {
    const commit = byHash.get(hash)!
    if (newest === null || commit.committedAt > newest.committedAt) newest = commit
  }
  return {
    found: true,
    complete,
    lostCount: lost.size,
    newestLost: newest ? toRef(newest) : null,
    regainedCount: regained.size,
  }
}

/**
 * The commit a backup taken at `backupAt` most likely holds, when the catalog does not say
 * (Pantheon): the newest commit of the environment's code older than the backup. Commits
 * labelled with the environment are preferred; a log without such labels is taken as it is.
 */
export function estimateBackupCommit(log: readonly CodeLogEntry[], env: string, backupAt: number): string | null {
  const labelled = log.filter((commit) => commit.labels.includes(env))
  const candidates = (labelled.length > 0 ? labelled : log).filter((commit) => commit.committedAt <= backupAt)
  let newest: CodeLogEntry | null = null
  for (const commit of candidates) if (newest === null || commit.committedAt > newest.committedAt) newest = commit
  return newest?.hash ?? null
}

/** "You will lose 2 days of changes on dev.": a restore from the environment's own backup. */
export function lossSentence(env: string, backupAt: number, clock: Clock): string {
  return `You will lose ${spanPhrase(clock.now() - backupAt)} of changes on ${env}.`
}

/**
 * What a restore from another environment's backup, or a clone, replaces: "Test's database and
 * files are replaced by live's from 30 Nov 02:00; changes on test since its newest backup
 * (3 hours ago) are lost." `incomingAt` is the backup's time, or null for a clone (the source's
 * current content); `newestBackupAt` the target's newest backup, null when it has none.
 */
export function replacementSentence(
  target: string,
  source: string,
  parts: readonly BackupElement[],
  incomingAt: number | null,
  newestBackupAt: number | null,
  clock: Clock,
): string {
  const plural = parts.length > 1 || parts[0] === 'files'
  const incoming =
    incomingAt === null
      ? `${source}'s current ${plural ? 'ones' : 'one'}`
      : `${source}'s from ${formatWhen(incomingAt, clock)}`
  const lost =
    newestBackupAt === null
      ? `${target} has no backup, so its changes are lost unless you take the safety backup.`
      : `changes on ${target} since its newest backup (${spanPhrase(clock.now() - newestBackupAt)} ago) are lost.`
  return `${capitalized(target)}'s ${joinWords(parts)} ${plural ? 'are' : 'is'} replaced by ${incoming}; ${lost}`
}
