/**
 * The three-way merge of trees a revert is: base = the reverted commit's tree, ours = dev's head,
 * theirs = the commit's parent (the empty tree for a root commit). The result is ours with
 * theirs' changes applied, the way git's merge-ort decides it for the cases a revert meets:
 *
 * - what changed on each side comes from the tree diffs base -> ours and base -> theirs (which
 *   skip every folder both trees share, so a revert reads a handful of trees, not the
 *   repository), with git's rename detection (renames.ts) on both. As merge-ort does, a side's
 *   deleted file is a rename candidate only where the other side changed that path, since
 *   elsewhere a rename and a deletion plus an addition merge the same; that keeps a revert of a
 *   commit far back from comparing thousands of files;
 * - a path only theirs changed takes theirs'; only ours changed keeps ours'; both changed the
 *   same way keeps it; a file both changed is merged by merge-driver.ts (mode and content apart,
 *   as git does: an exec-bit change on one side and an edit on the other both survive);
 * - a rename on one side carries the other side's edit to the new path (reverting a rename whose
 *   file was edited later puts the edited file back at its old path, as `git revert` does);
 * - everything else both sides touched is a conflict with its reason: modify/delete,
 *   rename/delete, rename/rename, add/add, a link or submodule changed on both sides, a
 *   binary file changed on both sides, a file where a folder is.
 * Not done (each would need git's directory-rename heuristics): moving a file ours added into a
 * folder theirs renamed. A conflict keeps ours' version at its path, so the result still shows
 * what the rest of the merge would change.
 */
import { GitError } from './git-error'
import { mergeFileContent } from './merge-driver'
import { detectRenames, type PathChange } from './renames'
import type { ScratchStore } from './scratch-store'
import { TreeEditor, type Side } from './tree-edit'
import { diffTrees, isRegularMode, isSubmoduleMode, isSymlinkMode, type TreeChange } from './tree-diff'

/** merge-ort's default `merge.renameLimit`. */
const MERGE_RENAME_LIMIT = 7000

export interface MergeConflict {
  readonly path: string
  readonly reason: string
}

export interface TreeMerge {
  /** The merged tree (with conflicted paths as ours has them). */
  readonly tree: string
  readonly conflicts: readonly MergeConflict[]
}

/** What ours did to a path of the base. */
type OursAt =
  | { readonly kind: 'modified'; readonly side: Side }
  | { readonly kind: 'replaced'; readonly side: Side }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'renamed'; readonly path: string; readonly side: Side }

/** One of theirs' changes, with a change of kind at one path taken as one change. */
type TheirChange =
  | { readonly kind: 'modified' | 'replaced'; readonly path: string; readonly base: Side; readonly side: Side }
  | { readonly kind: 'deleted'; readonly path: string; readonly base: Side }
  | { readonly kind: 'added'; readonly path: string; readonly side: Side }
  | { readonly kind: 'renamed'; readonly from: string; readonly path: string; readonly base: Side; readonly side: Side }

function same(a: Side, b: Side): boolean {
  return a.mode === b.mode && a.oid === b.oid
}

function oldSide(change: PathChange | TreeChange): Side {
  return { mode: change.oldMode as string, oid: change.oldOid as string }
}

function newSide(change: PathChange | TreeChange): Side {
  return { mode: change.newMode as string, oid: change.newOid as string }
}

function asPathChange(change: TreeChange): PathChange {
  return { ...change, oldPath: null, similarity: null }
}

/**
 * A side's changes with renames found, where deletions are rename sources only at the paths
 * `relevant` names (the other side changed them).
 */
async function sideChanges(
  raw: readonly TreeChange[],
  relevant: ReadonlySet<string>,
  load: (oid: string) => Promise<Buffer>,
  signal: AbortSignal | undefined,
): Promise<PathChange[]> {
  const candidates: TreeChange[] = []
  const plain: PathChange[] = []
  for (const change of raw) {
    if (change.status === 'deleted' && !change.typeChange && !relevant.has(change.path))
      plain.push(asPathChange(change))
    else candidates.push(change)
  }
  const found = await detectRenames(candidates, load, { renameLimit: MERGE_RENAME_LIMIT, signal })
  return [...found, ...plain]
}

/** Base paths a raw diff modified or deleted. */
function touched(raw: readonly TreeChange[]): Set<string> {
  const paths = new Set<string>()
  for (const change of raw) if (change.status !== 'added') paths.add(change.path)
  return paths
}

function theirChanges(changes: readonly PathChange[]): TheirChange[] {
  const out: TheirChange[] = []
  const typeAdds = new Map<string, PathChange>()
  for (const change of changes) if (change.typeChange && change.status === 'added') typeAdds.set(change.path, change)
  for (const change of changes) {
    if (change.typeChange) {
      if (change.status !== 'deleted') continue
      const added = typeAdds.get(change.path)
      if (added) out.push({ kind: 'replaced', path: change.path, base: oldSide(change), side: newSide(added) })
      else out.push({ kind: 'deleted', path: change.path, base: oldSide(change) })
      continue
    }
    if (change.status === 'modified')
      out.push({ kind: 'modified', path: change.path, base: oldSide(change), side: newSide(change) })
    else if (change.status === 'deleted') out.push({ kind: 'deleted', path: change.path, base: oldSide(change) })
    else if (change.status === 'added') out.push({ kind: 'added', path: change.path, side: newSide(change) })
    else
      out.push({
        kind: 'renamed',
        from: change.oldPath as string,
        path: change.path,
        base: oldSide(change),
        side: newSide(change),
      })
  }
  return out
}

/** Ours' changes by base path, and what ours added (or renamed into) by new path. */
function oursIndex(changes: readonly PathChange[]): { at: Map<string, OursAt>; added: Map<string, Side> } {
  const at = new Map<string, OursAt>()
  const added = new Map<string, Side>()
  for (const change of changes) {
    if (change.typeChange) {
      if (change.status === 'added') at.set(change.path, { kind: 'replaced', side: newSide(change) })
      else if (!at.has(change.path)) at.set(change.path, { kind: 'deleted' })
    } else if (change.status === 'modified') at.set(change.path, { kind: 'modified', side: newSide(change) })
    else if (change.status === 'deleted') at.set(change.path, { kind: 'deleted' })
    else if (change.status === 'added') added.set(change.path, newSide(change))
    else {
      at.set(change.oldPath as string, { kind: 'renamed', path: change.path, side: newSide(change) })
      added.set(change.path, newSide(change))
    }
  }
  return { at, added }
}

function kindName(mode: string): string {
  if (isSymlinkMode(mode)) return 'a link'
  if (isSubmoduleMode(mode)) return 'a submodule'
  return 'a file'
}

/** Merges one path both sides changed: the merged entry, or the conflict's reason. */
async function mergeSides(
  store: ScratchStore,
  load: (oid: string) => Promise<Buffer>,
  base: Side,
  ours: Side,
  theirs: Side,
): Promise<Side | string> {
  if (same(ours, theirs) || same(base, theirs)) return ours
  if (same(base, ours)) return theirs
  if (!isRegularMode(base.mode) || !isRegularMode(ours.mode) || !isRegularMode(theirs.mode)) {
    if (isSymlinkMode(ours.mode) && isSymlinkMode(theirs.mode)) return 'link changed on both sides'
    if (isSubmoduleMode(ours.mode) && isSubmoduleMode(theirs.mode)) return 'submodule changed on both sides'
    return `changed on both sides (now ${kindName(ours.mode)} in dev, ${kindName(theirs.mode)} after the revert)`
  }
  const mode = ours.mode === base.mode ? theirs.mode : ours.mode
  if (theirs.mode !== base.mode && ours.mode !== base.mode && theirs.mode !== ours.mode)
    return 'file mode changed on both sides'
  if (ours.oid === theirs.oid || theirs.oid === base.oid) return { mode, oid: ours.oid }
  if (ours.oid === base.oid) return { mode, oid: theirs.oid }
  const merged = mergeFileContent(await load(base.oid), await load(ours.oid), await load(theirs.oid))
  if ('conflict' in merged) return merged.conflict
  return { mode, oid: store.put('blob', merged.merged) }
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new GitError('git_cancelled', 'The revert was stopped; nothing was changed.')
}

/** Reads blob contents once per merge (rename detection and the content merge read the same ones). */
function blobLoader(store: ScratchStore): (oid: string) => Promise<Buffer> {
  const blobs = new Map<string, Promise<Buffer>>()
  return (oid) => {
    let blob = blobs.get(oid)
    if (!blob) {
      blob = store.read(oid).then((object) => {
        if (object.type !== 'blob')
          throw new GitError(
            'git_corrupt',
            `Object ${oid.slice(0, 10)} should be a file’s content but is a ${object.type}. Delete the clone and open the history again.`,
          )
        return object.data
      })
      blobs.set(oid, blob)
    }
    return blob
  }
}

/** Merges `theirs` into `ours` over `base` (tree ids; new objects go to `store`). */
export async function mergeTrees(
  store: ScratchStore,
  base: string,
  ours: string,
  theirs: string,
  signal?: AbortSignal,
): Promise<TreeMerge> {
  if (ours === base || ours === theirs) return { tree: theirs, conflicts: [] }
  if (theirs === base) return { tree: ours, conflicts: [] }
  const load = blobLoader(store)
  const rawOurs = await diffTrees(store, base, ours, signal)
  const rawTheirs = await diffTrees(store, base, theirs, signal)
  const theirsSide = theirChanges(await sideChanges(rawTheirs, touched(rawOurs), load, signal))
  const oursSide = oursIndex(await sideChanges(rawOurs, touched(rawTheirs), load, signal))

  const conflicts: MergeConflict[] = []
  const removals: string[] = []
  const sets = new Map<string, Side>()
  const conflict = (path: string, reason: string): void => void conflicts.push({ path, reason })
  const settle = (path: string, merged: Side | string): boolean => {
    if (typeof merged === 'string') {
      conflict(path, merged)
      return false
    }
    sets.set(path, merged)
    return true
  }

  for (const change of theirsSide) {
    checkCancelled(signal)
    if (change.kind === 'added') {
      const clash = oursSide.added.get(change.path)
      if (!clash) sets.set(change.path, change.side)
      else if (!same(clash, change.side))
        conflict(change.path, 'added in dev and by the revert, with different content')
      continue
    }
    const from = change.kind === 'renamed' ? change.from : change.path
    const o = oursSide.at.get(from)
    if (change.kind === 'deleted') {
      if (!o) removals.push(from)
      else if (o.kind === 'renamed') conflict(o.path, `renamed from ${from} in dev, deleted by the revert`)
      else if (o.kind !== 'deleted') conflict(from, 'changed in dev, deleted by the revert')
      continue
    }
    if (change.kind === 'replaced') {
      if (!o) sets.set(from, change.side)
      else if (o.kind !== 'replaced' || !same(o.side, change.side)) conflict(from, 'changed on both sides')
      continue
    }
    if (change.kind === 'modified') {
      if (!o) sets.set(from, change.side)
      else if (o.kind === 'deleted') conflict(from, 'deleted in dev, changed by the revert')
      else if (o.kind === 'replaced')
        conflict(from, `changed in dev (now ${kindName(o.side.mode)}), changed by the revert`)
      else settle(o.kind === 'renamed' ? o.path : from, await mergeSides(store, load, change.base, o.side, change.side))
      continue
    }
    // The revert moves a file from `from` back to `change.path`.
    const clash = oursSide.added.get(change.path)
    if (clash && !(o?.kind === 'renamed' && o.path === change.path)) {
      conflict(change.path, `dev has another file here, where the revert moves ${from} back`)
      continue
    }
    if (!o) {
      removals.push(from)
      sets.set(change.path, change.side)
    } else if (o.kind === 'modified') {
      if (settle(change.path, await mergeSides(store, load, change.base, o.side, change.side))) removals.push(from)
    } else if (o.kind === 'renamed') {
      if (o.path === change.path) settle(change.path, await mergeSides(store, load, change.base, o.side, change.side))
      else conflict(from, `renamed to ${o.path} in dev and to ${change.path} by the revert`)
    } else if (o.kind === 'deleted') conflict(from, `deleted in dev, moved to ${change.path} by the revert`)
    else conflict(from, `changed in dev (now ${kindName(o.side.mode)}), moved to ${change.path} by the revert`)
  }

  const editor = new TreeEditor(store, ours)
  for (const path of removals) await editor.remove(path)
  for (const [path, side] of sets) {
    checkCancelled(signal)
    const refused = await editor.set(path, side)
    if (refused !== null) conflict(path, refused)
  }
  conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { tree: await editor.write(), conflicts }
}
