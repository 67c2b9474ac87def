/**
 * The paths that differ between two trees, as git's tree-diff finds them: both trees' entries
 * are walked side by side in git's own order, and a subtree whose id is the same on both sides
 * is skipped without being read, which is what keeps a commit touching 200 files of a
 * 5,000-file repository down to a handful of tree reads.
 *
 * Git orders a tree's entries by the bytes of their names, a folder compared as if its name
 * ended in "/" (so `a-b` < `a/` < `a0`); the walk compares that way, by code point, which is the
 * byte order of the UTF-8 names. The output is in the order `git diff --no-renames
 * --name-status` prints. An entry whose kind changes (file <-> symlink <-> submodule) is a
 * deletion followed by an addition of the same path, both marked `typeChange`, as git's patch
 * shows them (its `--name-status` prints a single `T`); a file that becomes a folder is a
 * deletion of the file and additions of the folder's files. Submodule entries (mode 160000) are
 * listed with the commit they point at, never read: that commit is not in this repository.
 */
import { GitError } from './git-error'
import { parseTree, type ObjectReader, type TreeEntry } from './objects'

export type TreeChangeStatus = 'added' | 'modified' | 'deleted'

/** One path that differs between two trees. */
export interface TreeChange {
  readonly path: string
  readonly status: TreeChangeStatus
  /** Null where the side is absent. */
  readonly oldOid: string | null
  readonly newOid: string | null
  readonly oldMode: string | null
  readonly newMode: string | null
  /** Half of a change of kind at one path (file <-> symlink <-> submodule): a deletion then an addition. */
  readonly typeChange: boolean
}

const KIND_MASK = 0o170000
const DIRECTORY = 0o040000
const REGULAR = 0o100000
const SYMLINK = 0o120000
const SUBMODULE = 0o160000

function kindOf(mode: string): number {
  return parseInt(mode, 8) & KIND_MASK
}

/** Whether a tree entry is a folder (git writes "40000"; tolerate "040000"). */
export function isTreeMode(mode: string): boolean {
  return kindOf(mode) === DIRECTORY
}

/** Whether an entry is a regular file (100644 or 100755). */
export function isRegularMode(mode: string): boolean {
  return kindOf(mode) === REGULAR
}

export function isSymlinkMode(mode: string): boolean {
  return kindOf(mode) === SYMLINK
}

export function isSubmoduleMode(mode: string): boolean {
  return kindOf(mode) === SUBMODULE
}

/** Throws `git_cancelled` when the signal has fired: called between reads so a stopped request ends soon. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new GitError(
      'git_cancelled',
      'Stopped reading the commit because the request was cancelled. Open the commit again to see it.',
      {
        cause: signal.reason,
      },
    )
}

/**
 * Compares two strings by Unicode code point, which is the byte order of their UTF-8 forms.
 * JavaScript's `<` compares UTF-16 units and puts characters above U+FFFF (surrogates,
 * 0xD800-0xDFFF) before U+E000-U+FFFF, where git's byte order puts them after.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

/** An entry's place in git's tree order: folders sort as "name/". */
function sortKey(entry: TreeEntry): string {
  return isTreeMode(entry.mode) ? `${entry.name}/` : entry.name
}

async function readTreeEntries(
  reader: ObjectReader,
  oid: string,
  signal: AbortSignal | undefined,
): Promise<TreeEntry[]> {
  throwIfCancelled(signal)
  const object = await reader.read(oid)
  if (object.type !== 'tree')
    throw new GitError(
      'git_corrupt',
      `Object ${oid.slice(0, 10)} should be a folder (a tree) but is a ${object.type}. Delete the clone and open the history again.`,
    )
  return parseTree(object.data)
}

interface Walk {
  readonly reader: ObjectReader
  readonly signal: AbortSignal | undefined
  readonly out: TreeChange[]
}

/** Every file under one side's entry, as added or deleted (a folder is read, a file listed). */
async function listSide(walk: Walk, prefix: string, entry: TreeEntry, side: 'added' | 'deleted'): Promise<void> {
  const path = prefix + entry.name
  if (isTreeMode(entry.mode)) {
    for (const child of await readTreeEntries(walk.reader, entry.oid, walk.signal))
      await listSide(walk, `${path}/`, child, side)
    return
  }
  walk.out.push(
    side === 'added'
      ? {
          path,
          status: 'added',
          oldOid: null,
          newOid: entry.oid,
          oldMode: null,
          newMode: entry.mode,
          typeChange: false,
        }
      : {
          path,
          status: 'deleted',
          oldOid: entry.oid,
          newOid: null,
          oldMode: entry.mode,
          newMode: null,
          typeChange: false,
        },
  )
}

/** The same key on both sides: equal, a content or mode change, a subtree to walk, or a change of kind. */
async function compareEntries(walk: Walk, prefix: string, before: TreeEntry, after: TreeEntry): Promise<void> {
  if (before.oid === after.oid && before.mode === after.mode) return
  const path = prefix + after.name
  // Same key means both are folders or neither is (the key of a folder ends in "/").
  if (isTreeMode(before.mode)) {
    await walkTrees(
      walk,
      `${path}/`,
      await readTreeEntries(walk.reader, before.oid, walk.signal),
      await readTreeEntries(walk.reader, after.oid, walk.signal),
    )
    return
  }
  if (kindOf(before.mode) !== kindOf(after.mode)) {
    walk.out.push(
      {
        path,
        status: 'deleted',
        oldOid: before.oid,
        newOid: null,
        oldMode: before.mode,
        newMode: null,
        typeChange: true,
      },
      { path, status: 'added', oldOid: null, newOid: after.oid, oldMode: null, newMode: after.mode, typeChange: true },
    )
    return
  }
  walk.out.push({
    path,
    status: 'modified',
    oldOid: before.oid,
    newOid: after.oid,
    oldMode: before.mode,
    newMode: after.mode,
    typeChange: false,
  })
}

interface Keyed {
  readonly entry: TreeEntry
  readonly key: string
}

/** A tree's entries in git's order (trees are stored so; sorting again guards the walk against one that is not). */
function inGitOrder(entries: readonly TreeEntry[]): Keyed[] {
  return entries.map((entry) => ({ entry, key: sortKey(entry) })).sort((x, y) => compareCodePoints(x.key, y.key))
}

/** Walks two trees' entries side by side, as git's tree-diff does. */
async function walkTrees(
  walk: Walk,
  prefix: string,
  before: readonly TreeEntry[],
  after: readonly TreeEntry[],
): Promise<void> {
  const olds = inGitOrder(before)
  const news = inGitOrder(after)
  let i = 0
  let j = 0
  for (;;) {
    const x = olds[i]
    const y = news[j]
    if (!x && !y) return
    const order = !x ? 1 : !y ? -1 : compareCodePoints(x.key, y.key)
    if (order < 0 && x) {
      await listSide(walk, prefix, x.entry, 'deleted')
      i++
    } else if (order > 0 && y) {
      await listSide(walk, prefix, y.entry, 'added')
      j++
    } else if (x && y) {
      await compareEntries(walk, prefix, x.entry, y.entry)
      i++
      j++
    }
  }
}

/**
 * The files that differ between `oldTree` and `newTree` (every file of `newTree` as added when
 * `oldTree` is null, for a root commit), in git's path order.
 */
export async function diffTrees(
  reader: ObjectReader,
  oldTree: string | null,
  newTree: string,
  signal?: AbortSignal,
): Promise<TreeChange[]> {
  const walk: Walk = { reader, signal, out: [] }
  if (oldTree === newTree) return walk.out
  const before = oldTree === null ? [] : await readTreeEntries(reader, oldTree, signal)
  await walkTrees(walk, '', before, await readTreeEntries(reader, newTree, signal))
  return walk.out
}
