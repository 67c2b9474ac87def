/**
 * Moving a local clone's working folder and index from one tree to another, for a revert made
 * in a clone the app cannot push from (the person pushes it from a terminal). Written here
 * rather than through isomorphic-git's checkout, whose update (the one cherryPick runs) skips
 * exec-bit changes, stages deletions oddly, leaves emptied folders behind and, when a folder
 * must go, fails with ENOTEMPTY after HEAD has moved (GIT-NOTES).
 *
 * What git does, in its order: every deleted file goes first and the folders it leaves empty
 * with it (never the working folder itself, and never a folder still holding untracked files);
 * then every added or changed file is written beside its place and renamed over it, with its
 * exec bit (0755 or 0644, less the umask, as git), a link as a link, a submodule as the empty
 * folder git leaves. The index follows: removed paths leave it, written paths are added from
 * the files just written (so `git status` reads them clean without hashing them again). Before
 * any of that, `assertClean` refuses a working folder with changes.
 */
import fs from 'node:fs'
import { chmod, lstat, mkdir, rename, rm, rmdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import git from 'isomorphic-git'
import { removeQuietly, tempPathFor } from '../../lib/atomic'
import { GitError } from './git-error'
import type { ObjectReader } from './objects'
import { diffTrees, isSubmoduleMode, isSymlinkMode, type TreeChange } from './tree-diff'

export interface WorkTree {
  readonly dir: string
  readonly gitdir: string
  /** isomorphic-git's cache for the repository. */
  readonly cache: object
}

/** The paths a move from one tree to another deletes and writes. */
export async function plannedChanges(reader: ObjectReader, from: string, to: string, signal?: AbortSignal) {
  const changes = await diffTrees(reader, from, to, signal)
  return {
    removed: changes.filter((change) => change.status === 'deleted'),
    written: changes.filter((change) => change.status !== 'deleted'),
  }
}

function underOrAbove(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)
}

/**
 * Refuses (`git_dirty`) a working folder whose tracked files differ from HEAD or the index, or
 * with untracked files where the update writes. Untracked files elsewhere are left alone, as git.
 */
export async function assertClean(tree: WorkTree, written: readonly string[], signal?: AbortSignal): Promise<void> {
  const rows = await git.statusMatrix({
    fs: fsWithoutWritesUnder(tree.gitdir),
    dir: tree.dir,
    gitdir: tree.gitdir,
    // Its own cache: the index it read must not stand in for the file the update reads next.
    cache: {},
  })
  if (signal?.aborted) throw new GitError('git_cancelled', 'The revert was stopped; nothing was changed.')
  const changed: string[] = []
  const inTheWay: string[] = []
  for (const [file, head, workdir, stage] of rows) {
    if (head === 1 && workdir === 1 && stage === 1) continue
    if (head === 0 && stage === 0) {
      if (written.some((target) => underOrAbove(file, target))) inTheWay.push(file)
      continue
    }
    changed.push(file)
  }
  const list = (files: string[]): string =>
    files.slice(0, 5).join(', ') + (files.length > 5 ? ` and ${files.length - 5} more` : '')
  if (changed.length > 0)
    throw new GitError(
      'git_dirty',
      `The clone in ${tree.dir} has changes that are not committed (${list(changed)}). Commit or stash them in a terminal, then try again. Nothing was changed.`,
    )
  if (inTheWay.length > 0)
    throw new GitError(
      'git_dirty',
      `Untracked files in ${tree.dir} are where the revert writes (${list(inTheWay)}). Move them away, then try again. Nothing was changed.`,
    )
}

async function removeEmptyFolders(root: string, folders: Iterable<string>): Promise<void> {
  // Deepest first, so a parent is looked at after its children went.
  const sorted = [...new Set(folders)].sort((a, b) => b.split('/').length - a.split('/').length)
  const tried = new Set<string>()
  for (const start of sorted) {
    for (
      let folder = start;
      folder !== '.' && folder !== '' && !tried.has(folder);
      folder = path.posix.dirname(folder)
    ) {
      tried.add(folder)
      try {
        await rmdir(path.join(root, folder))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOTEMPTY' || code === 'EEXIST') break
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
      }
    }
  }
}

/** Makes the folders above `file`, replacing a file (or link) that stands where a folder must be. */
async function makeParents(root: string, file: string): Promise<void> {
  const parts = file.split('/').slice(0, -1)
  for (let depth = 1; depth <= parts.length; depth++) {
    const folder = path.join(root, ...parts.slice(0, depth))
    const stats = await lstat(folder).catch(() => null)
    if (stats?.isDirectory()) continue
    if (stats) await rm(folder, { force: true })
    await mkdir(folder)
  }
}

async function writeEntry(tree: WorkTree, reader: ObjectReader, change: TreeChange): Promise<void> {
  const mode = change.newMode as string
  const target = path.join(tree.dir, ...change.path.split('/'))
  await makeParents(tree.dir, change.path)
  const existing = await lstat(target).catch(() => null)
  if (isSubmoduleMode(mode)) {
    if (!existing?.isDirectory()) {
      if (existing) await rm(target, { force: true })
      await mkdir(target)
    }
    return
  }
  // An exec-bit change alone leaves the content as it is.
  if (change.status === 'modified' && change.oldOid === change.newOid && existing?.isFile()) {
    await chmod(target, mode === '100755' ? 0o755 : 0o644)
    return
  }
  const content = (await reader.read(change.newOid as string)).data
  const tmp = tempPathFor(target)
  try {
    if (isSymlinkMode(mode)) await symlink(content.toString('utf8'), tmp)
    else await writeFile(tmp, content, { flag: 'wx', mode: mode === '100755' ? 0o777 : 0o666 })
    if (existing?.isDirectory()) await rm(target, { recursive: true, force: true })
    await rename(tmp, target)
  } catch (error) {
    await removeQuietly(tmp)
    throw error
  }
}

/**
 * An fs for isomorphic-git that drops writes under `folder`: `add` would write a loose copy of
 * every packed blob it adds (all of them are in the object store already, the new tree's), and
 * `statusMatrix` rewrites the index with fresh file times (in its own format, without the
 * extensions git wrote), where the dirty check must change nothing.
 */
function fsWithoutWritesUnder(folder: string): { promises: typeof fs.promises } {
  const under = folder + path.sep
  const promises = new Proxy(fs.promises, {
    get(target, name, receiver) {
      if (name === 'writeFile')
        return (file: unknown, ...rest: unknown[]) =>
          String(file).startsWith(under)
            ? Promise.resolve()
            : (target.writeFile as (...args: unknown[]) => Promise<void>)(file, ...rest)
      return Reflect.get(target, name, receiver) as unknown
    },
  })
  return { promises }
}

/** Moves the working folder and the index from tree `from` to tree `to` (commits' trees). */
export async function updateWorkTree(
  tree: WorkTree,
  reader: ObjectReader,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<void> {
  const { removed, written } = await plannedChanges(reader, from, to, signal)
  // From here on the signal is not looked at: a folder stopped halfway would match neither tree.
  const emptied: string[] = []
  for (const change of removed) {
    const file = path.join(tree.dir, ...change.path.split('/'))
    const stats = await lstat(file).catch(() => null)
    // A submodule's folder goes only when empty, as git leaves a checked-out one alone.
    if (stats?.isDirectory()) await rmdir(file).catch(() => undefined)
    else if (stats) await rm(file, { force: true })
    emptied.push(path.posix.dirname(change.path))
  }
  await removeEmptyFolders(tree.dir, emptied)
  for (const change of written) await writeEntry(tree, reader, change)

  // The index: only paths that left the tree, then what was written (a submodule by its commit).
  const writtenPaths = new Set(written.map((change) => change.path))
  for (const change of removed)
    if (!writtenPaths.has(change.path))
      await git.remove({ fs, dir: tree.dir, gitdir: tree.gitdir, filepath: change.path, cache: tree.cache })
  const files = written.filter((change) => !isSubmoduleMode(change.newMode as string)).map((change) => change.path)
  if (files.length > 0)
    await git.add({
      fs: fsWithoutWritesUnder(path.join(tree.gitdir, 'objects')),
      dir: tree.dir,
      gitdir: tree.gitdir,
      filepath: files,
      force: true,
      cache: tree.cache,
    })
  for (const change of written)
    if (isSubmoduleMode(change.newMode as string))
      await git.updateIndex({
        fs,
        dir: tree.dir,
        gitdir: tree.gitdir,
        filepath: change.path,
        oid: change.newOid as string,
        mode: 0o160000,
        add: true,
        cache: tree.cache,
      })
}
