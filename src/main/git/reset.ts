/**
 * Resetting dev to an earlier commit (`git reset --hard <id>` and `git push --force`), and its
 * undo. The preview lists what the reset takes off dev (`git rev-list <id>..<head>`) and how many
 * of those commits test and live already hold. The reset saves a backup ref at dev's commit in
 * the clone first (backup-refs.ts), then force-pushes master with a lease on that commit; a push
 * that fails drops the backup again, since nothing moved. The undo force-pushes master back to
 * the backup's commit with a lease on where the reset left it, and deletes the backup only once
 * the remote took it, so a refused undo can be tried again.
 */
import type { GitProgress, HistoryCommit } from '../../shared/history'
import type { ResetPreview } from '../../shared/rollback'
import { deleteRef, listResetBackups, readResetBackup, saveResetBackup } from './backup-refs'
import type { CommitStore } from './commit-store'
import { GitError } from './git-error'
import type { ParsedCommit } from './objects'
import { pushWithLease } from './push'
import { shortId } from './revert'
import { ScratchStore } from './scratch-store'
import { ancestry, gap } from './standing'
import type { EnvTarget, MoveResult, RemoteArgs, ResetBackup } from './worker-protocol'

/** The preview lists at most this many of the discarded commits (the count is whole). */
export const DISCARDED_LIST = 500

export interface ResetContext {
  readonly gitdir: string
  readonly store: CommitStore
  readonly row: (commit: ParsedCommit) => HistoryCommit
  readonly signal: AbortSignal
  readonly progress?: (progress: GitProgress) => void
}

/** What resetting dev from `head` to `oid` discards. */
export async function previewReset(
  context: ResetContext,
  oid: string,
  head: string,
  envs: readonly EnvTarget[],
): Promise<ResetPreview> {
  const { store, signal } = context
  const target = await store.get(oid)
  await store.get(head)
  const onDev = await ancestry(store, head, signal)
  const kept = await ancestry(store, oid, signal)
  const discarded = await gap(store, head, oid, DISCARDED_LIST, signal)
  const heldBy: { env: string; count: number }[] = []
  for (const env of envs) {
    if (env.env === 'dev') continue
    let count = 0
    if (env.oid !== null && (await store.reader.has(env.oid))) {
      const held = await ancestry(store, env.oid, signal)
      for (const commit of onDev) if (!kept.has(commit) && held.has(commit)) count++
    }
    heldBy.push({ env: env.env, count })
  }
  return {
    target: context.row(target),
    head,
    discardedCount: discarded.count,
    discarded: discarded.commits.map(context.row),
    heldBy,
    notAncestor: !onDev.has(oid),
    blocked: null,
  }
}

/** Saves a backup at `head`, then force-pushes master to `oid` with a lease on `head`. */
export async function resetDev(
  context: ResetContext,
  remote: RemoteArgs,
  oid: string,
  head: string,
): Promise<MoveResult> {
  const { gitdir, store, signal } = context
  await store.get(oid)
  await store.get(head)
  if (oid === head)
    throw new GitError(
      'git_conflict',
      `Dev is at ${shortId(oid)} already: there is nothing to reset. Nothing was changed.`,
    )
  if (!(await ancestry(store, head, signal)).has(oid))
    throw new GitError(
      'git_conflict',
      `${shortId(oid)} is not in dev’s history, so a reset there would jump sideways. Nothing was changed; pick a commit dev has, or roll back to it instead.`,
    )
  const backupRef = await saveResetBackup(gitdir, new ScratchStore(store.reader), head, oid)
  try {
    await pushWithLease({
      gitdir,
      ...remote,
      oid,
      expected: head,
      force: true,
      signal,
      store,
      onProgress: context.progress,
    })
  } catch (error) {
    // Nothing moved, so there is nothing to undo: the backup would only offer a false undo.
    await deleteRef(gitdir, backupRef).catch(() => undefined)
    throw error
  }
  return { previousHead: head, newHead: oid, backupRef }
}

/** Puts master back where a reset found it, with a lease on where the reset left it; then drops the backup. */
export async function undoResetOfDev(
  context: ResetContext,
  remote: RemoteArgs,
  backupRef: string,
): Promise<MoveResult> {
  const { gitdir, store, signal } = context
  const backup = await readResetBackup(gitdir, store.reader, backupRef)
  await pushWithLease({
    gitdir,
    ...remote,
    oid: backup.savedHead,
    expected: backup.resetTo,
    force: true,
    signal,
    store,
    onProgress: context.progress,
    leaseAdvice:
      'undoing the reset now would discard their commits. The backup is kept; refresh, and undo from a terminal if you still want dev back where it was.',
  })
  await deleteRef(gitdir, backupRef)
  return { previousHead: backup.resetTo, newHead: backup.savedHead, backupRef: null }
}

export async function resetBackups(gitdir: string, store: CommitStore): Promise<readonly ResetBackup[]> {
  return listResetBackups(gitdir, store.reader)
}
