/**
 * The worker's rollback operations: the revert and roll back previews and their apply, the reset
 * preview, the reset, its backups and its undo. They run on the history's state of the session
 * (history-operations.ts: the pack reader, the commit store and the rows' decoration), so a
 * preview after the history was read costs only its own tree reads.
 *
 * A revert with a remote writes its objects into the clone, pushes with a lease on dev's head
 * (push.ts) and moves the clone's refs only after the remote took it. Without one (a local
 * clone the app cannot push from), it moves the clone's checked-out branch and its working
 * folder (worktree-update.ts) after checking the branch is still at that head and the folder
 * has no changes; a bare local clone has only its branch to move.
 */
import fs from 'node:fs'
import path from 'node:path'
import git from 'isomorphic-git'
import { readRef, writeRef } from './backup-refs'
import { GitError } from './git-error'
import { prepare, stateOf } from './history-operations'
import { pushWithLease } from './push'
import { previewReset, resetBackups, resetDev, undoResetOfDev, type ResetContext } from './reset'
import { changeList, commitText, planRevert, refusal, shortId, type RevertPlan } from './revert'
import type { GitOperationTable, HistoryView, OpContext } from './worker-protocol'
import { assertClean, plannedChanges, updateWorkTree } from './worktree-update'

async function resetContext(view: HistoryView, context: OpContext): Promise<ResetContext> {
  const { state, row } = await prepare(view, context)
  return {
    gitdir: view.gitdir,
    store: state.store,
    row,
    signal: context.signal,
    progress: context.progress,
  }
}

/** The working folder of a local clone: beside its `.git`, none for a bare one. */
async function workingFolder(gitdir: string): Promise<string | null> {
  if (path.basename(gitdir) === '.git') return path.dirname(gitdir)
  const bare: unknown = await git.getConfig({ fs, gitdir, path: 'core.bare' })
  if (bare === true || bare === 'true') return null
  throw new GitError(
    'git_dirty',
    `The clone’s working folder is not beside its git folder (${gitdir}), as in a git worktree, so the app cannot update it. Revert in a terminal instead. Nothing was changed.`,
  )
}

/** Commits the plan in a local clone: its checked-out branch (or detached HEAD) and working folder move. */
async function applyLocally(plan: RevertPlan, commit: string, gitdir: string, context: OpContext): Promise<void> {
  const signal = context.signal
  const branch = (await git.currentBranch({ fs, gitdir, fullname: true })) ?? null
  const ref = branch ?? 'HEAD'
  const current = await readRef(gitdir, 'HEAD')
  if (current !== plan.head.oid)
    throw new GitError(
      'git_lease',
      `The clone’s ${branch ? branch.replace('refs/heads/', '') : 'HEAD'} is at ${current ? shortId(current) : 'no commit'}, not at ${shortId(plan.head.oid)} where you looked: someone committed or checked out since. Refresh and look again. Nothing was changed.`,
    )
  const dir = await workingFolder(gitdir)
  const cache = context.session(gitdir).cache
  if (dir !== null) {
    const { written } = await plannedChanges(plan.store, plan.head.tree, plan.tree, signal)
    await assertClean(
      { dir, gitdir, cache },
      written.map((change) => change.path),
      signal,
    )
  }
  await plan.store.writeTo(gitdir, signal)
  if (dir !== null) await updateWorkTree({ dir, gitdir, cache }, plan.store, plan.head.tree, plan.tree, signal)
  await writeRef(gitdir, ref, commit)
}

export const rollbackOperations: Pick<
  GitOperationTable,
  'revertPreview' | 'revert' | 'resetPreview' | 'reset' | 'resetBackups' | 'undoReset'
> = {
  async revertPreview(args, context) {
    const { state, row } = await prepare(args, context)
    context.progress({ phase: 'Merging', loaded: 0, total: null, bytes: 0 })
    const plan = await planRevert(state.store, args.oid, args.mode, args.head, context.signal)
    const { files, totals } = await changeList(plan.store, plan.head.tree, plan.tree, context.signal)
    return {
      mode: args.mode,
      target: row(plan.target),
      head: args.head,
      message: plan.message,
      files,
      totals,
      conflicts: plan.conflicts,
      empty: plan.tree === plan.head.tree,
      blocked: null,
    }
  },

  async revert(args, context) {
    const state = await stateOf(context.session(args.gitdir))
    context.progress({ phase: 'Merging', loaded: 0, total: null, bytes: 0 })
    const plan = await planRevert(state.store, args.oid, args.mode, args.head, context.signal)
    const refused = refusal(plan)
    if (refused) throw refused
    const time = args.time ?? Math.floor(Date.now() / 1000)
    const commit = plan.store.put('commit', commitText(plan, args.author, time))
    if (args.remote) {
      await plan.store.writeTo(args.gitdir, context.signal)
      await pushWithLease({
        gitdir: args.gitdir,
        ...args.remote,
        oid: commit,
        expected: args.head,
        force: false,
        signal: context.signal,
        store: state.store,
        onProgress: context.progress,
      })
    } else await applyLocally(plan, commit, args.gitdir, context)
    return { previousHead: args.head, newHead: commit, backupRef: null }
  },

  async resetPreview(args, context) {
    return previewReset(await resetContext(args, context), args.oid, args.head, args.envs)
  },

  async reset(args, context) {
    return resetDev(await resetContext(args, context), { url: args.url, token: args.token }, args.oid, args.head)
  },

  async resetBackups({ gitdir }, context) {
    const state = await stateOf(context.session(gitdir))
    return resetBackups(gitdir, state.store)
  },

  async undoReset(args, context) {
    return undoResetOfDev(await resetContext(args, context), { url: args.url, token: args.token }, args.backupRef)
  },
}
