/**
 * Revert and roll back, computed: what the new commit on dev's head would hold, its message, its
 * change against the head and its conflicts, with every new object kept in a scratch store until
 * an apply writes it (scratch-store.ts), so a preview writes nothing into the repository.
 *
 * - Revert of C on head H (`git revert C`, a merge against its first parent as `-m 1`) is the
 *   three-way merge with base = C, ours = H, theirs = C's first parent (the empty tree for a root
 *   commit): the cherry-pick of a commit that undoes C, as git's sequencer does it. It runs on
 *   the pack reader through tree-merge.ts rather than isomorphic-git's `cherryPick`, which
 *   refuses root and merge commits, has no rename detection (reverting a rename whose file was
 *   edited later conflicts where git succeeds), writes merged blobs even in a dry run, and reads
 *   each whole pack into memory; its merge driver also corrupts a binary file changed on both
 *   sides (GIT-NOTES). The message is git's: `Revert "<subject>"`, a blank line, `This reverts
 *   commit <id>.`, and for a merge `, reversing\nchanges made to <first parent>.`.
 * - Roll back to C is one commit on H whose tree is C's, so history is kept and no conflict is
 *   possible. Its message names the commit and what it undoes:
 *   `Roll back to <short id> "<subject>"`, a blank line, `This restores the files of commit
 *   <id>,\nundoing the N commits made after it.` (just `This restores the files of commit <id>.`
 *   when C is not in H's history, as after a reset).
 */
import type { FileChange } from '../../shared/history'
import type { RevertConflict, RevertMode } from '../../shared/rollback'
import type { CommitStore } from './commit-store'
import { changedFiles } from './file-diff'
import { GitError } from './git-error'
import type { ParsedCommit } from './objects'
import { detectRenames } from './renames'
import { EMPTY_TREE, ScratchStore } from './scratch-store'
import { ancestry, gap } from './standing'
import { diffTrees } from './tree-diff'
import { mergeTrees } from './tree-merge'
import type { CommitAuthor } from './worker-protocol'

/** What a revert or roll back would make, before anything is written. */
export interface RevertPlan {
  readonly mode: RevertMode
  readonly target: ParsedCommit
  readonly head: ParsedCommit
  readonly message: string
  /** The new commit's tree (conflicted paths as the head has them). */
  readonly tree: string
  readonly conflicts: readonly RevertConflict[]
  /** Holds the merged blobs and trees (and, once made, the commit). */
  readonly store: ScratchStore
}

export function shortId(oid: string): string {
  return oid.slice(0, 10)
}

/** The subject as git's sequencer takes it: the message's first non-blank line, trailing spaces cut. */
function gitSubject(message: string): string {
  const line = message.split('\n').find((text) => text.trim() !== '') ?? ''
  return line.replace(/\s+$/, '')
}

export function revertMessage(target: ParsedCommit): string {
  const merge = target.parents.length > 1 ? `, reversing\nchanges made to ${target.parents[0]}` : ''
  return `Revert "${gitSubject(target.message)}"\n\nThis reverts commit ${target.oid}${merge}.\n`
}

/** `undone`: commits after the target on the head, or null when the target is not in the head's history. */
export function rollBackMessage(target: ParsedCommit, undone: number | null): string {
  const title = `Roll back to ${shortId(target.oid)} "${gitSubject(target.message)}"`
  if (undone === null) return `${title}\n\nThis restores the files of commit ${target.oid}.\n`
  const commits = undone === 1 ? 'the 1 commit' : `the ${undone} commits`
  return `${title}\n\nThis restores the files of commit ${target.oid},\nundoing ${commits} made after it.\n`
}

/** Plans a revert or roll back of `oid` on `head`; `history` is the repository's commit store. */
export async function planRevert(
  history: CommitStore,
  oid: string,
  mode: RevertMode,
  head: string,
  signal?: AbortSignal,
): Promise<RevertPlan> {
  const store = new ScratchStore(history.reader)
  const target = await history.get(oid)
  const headCommit = await history.get(head)
  if (mode === 'roll-back') {
    const inHistory = (await ancestry(history, head, signal)).has(oid)
    const undone = inHistory ? (await gap(history, head, oid, 0, signal)).count : null
    return {
      mode,
      target,
      head: headCommit,
      message: rollBackMessage(target, undone),
      tree: target.tree,
      conflicts: [],
      store,
    }
  }
  const parent = target.parents[0]
  const theirs = parent === undefined ? store.put('tree', Buffer.alloc(0)) : (await history.get(parent)).tree
  const merged = await mergeTrees(store, target.tree, headCommit.tree, theirs, signal)
  return {
    mode,
    target,
    head: headCommit,
    message: revertMessage(target),
    tree: merged.tree,
    conflicts: merged.conflicts,
    store,
  }
}

/** The commit object's text for a plan, by `author` (also the committer) at `time` (seconds), zone +0000. */
export function commitText(plan: RevertPlan, author: CommitAuthor, time: number): Buffer {
  const clean = (text: string): string => text.replace(/[<>\n\r]/g, '').trim()
  const who = `${clean(author.name)} <${clean(author.email)}> ${Math.floor(time)} +0000`
  return Buffer.from(`tree ${plan.tree}\nparent ${plan.head.oid}\nauthor ${who}\ncommitter ${who}\n\n${plan.message}`)
}

/** The GitError for a plan that cannot be applied (a conflict, or nothing to change), or null. */
export function refusal(plan: RevertPlan): GitError | null {
  const what = `${plan.mode === 'revert' ? 'Reverting' : 'Rolling back to'} ${shortId(plan.target.oid)} "${gitSubject(plan.target.message)}"`
  if (plan.conflicts.length > 0) {
    const listed = plan.conflicts.slice(0, 10).map((conflict) => `${conflict.path} (${conflict.reason})`)
    const more = plan.conflicts.length > 10 ? ` and ${plan.conflicts.length - 10} more` : ''
    return new GitError(
      'git_conflict',
      `${what} conflicts with dev in ${plan.conflicts.length === 1 ? '1 file' : `${plan.conflicts.length} files`}: ${listed.join(', ')}${more}. Nothing was changed. Revert it in a terminal to resolve the conflicts by hand, or roll back instead.`,
    )
  }
  if (plan.tree === plan.head.tree)
    return new GitError(
      'git_conflict',
      `${what} would change nothing: dev’s files are already as it would leave them. Nothing was changed.`,
    )
  return null
}

/** What going from one tree to another changes, as a commit's detail shows it (hunks cut the same way). */
export async function changeList(
  store: ScratchStore,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<{ files: FileChange[]; totals: { files: number; added: number; removed: number } }> {
  const blobs = new Map<string, Promise<Buffer>>()
  const load = (oid: string): Promise<Buffer> => {
    let blob = blobs.get(oid)
    if (!blob) {
      blob = store.read(oid).then((object) => object.data)
      blobs.set(oid, blob)
    }
    return blob
  }
  const changes = await detectRenames(await diffTrees(store, from === EMPTY_TREE ? null : from, to, signal), load, {
    signal,
  })
  return changedFiles(changes, load, () => {
    if (signal?.aborted) throw new GitError('git_cancelled', 'The preview was stopped.')
  })
}
