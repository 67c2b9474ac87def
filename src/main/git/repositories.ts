/**
 * Where the repositories the history reads live. The app's own clones sit in
 * `<data>/repos/<connection id>/<site id>` (one per connection, so switching connection opens the
 * other platform's clone), with a hidden `.<site id>.partial-<random>` beside them while a clone
 * is under way. A local clone the person opened may be a working folder with `.git`, a folder
 * whose `.git` file points elsewhere (a worktree, a submodule), or a bare repository; this module
 * finds its git directory.
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { removeQuietly } from '../../lib/atomic'
import { GitError } from './git-error'

/** Ids that may name a folder: what the IPC contract and the connection list allow, never `.` or `..`. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

function segment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value)) throw new Error(`${what} "${value}" cannot name a folder.`)
  return value
}

/** The folder holding every clone the app made for one connection. */
export function connectionReposDir(dataDir: string, connectionId: string): string {
  return path.join(dataDir, 'repos', segment(connectionId, 'The connection id'))
}

/** The app's clone of a site for one connection (a folder with `.git` inside). */
export function appClonePath(dataDir: string, connectionId: string, siteId: string): string {
  return path.join(connectionReposDir(dataDir, connectionId), segment(siteId, 'The site id'))
}

/** A fresh hidden folder beside `folder` to clone into. */
export function partialClonePath(folder: string): string {
  return path.join(path.dirname(folder), `.${path.basename(folder)}.partial-${randomBytes(6).toString('hex')}`)
}

/**
 * Removes what interrupted clones left beside `folder` (a worker that was stopped, or an app that
 * quit, mid-clone). Call it only while no clone of that folder runs.
 */
export async function removePartialClones(folder: string): Promise<void> {
  const dir = path.dirname(folder)
  const prefix = `.${path.basename(folder)}.partial-`
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  for (const entry of entries) if (entry.startsWith(prefix)) await removeQuietly(path.join(dir, entry))
}

async function isDirectory(target: string): Promise<boolean> {
  return (await stat(target).catch(() => null))?.isDirectory() ?? false
}

async function isFile(target: string): Promise<boolean> {
  return (await stat(target).catch(() => null))?.isFile() ?? false
}

/** Whether `dir` holds a git directory's own files (HEAD, objects, refs). */
export async function looksLikeGitdir(dir: string): Promise<boolean> {
  return (
    (await isFile(path.join(dir, 'HEAD'))) &&
    (await isDirectory(path.join(dir, 'objects'))) &&
    (await isDirectory(path.join(dir, 'refs')))
  )
}

/** Whether the app's clone at `folder` is whole (a renamed, finished clone). */
export async function appCloneExists(folder: string): Promise<boolean> {
  return looksLikeGitdir(path.join(folder, '.git'))
}

function notARepository(folder: string, why: string): GitError {
  return new GitError(
    'git_not_a_repository',
    `${folder} is not a git repository (${why}). Choose the folder you cloned the site into (the one with the .git folder), or a bare clone.`,
  )
}

/**
 * The git directory of a repository the person named, or GitError `git_not_a_repository`.
 * A linked worktree's git directory shares its objects and refs through `commondir`: the
 * history reads the common one.
 */
export async function findGitdir(folder: string): Promise<{ readonly gitdir: string; readonly bare: boolean }> {
  if (!path.isAbsolute(folder)) throw notARepository(folder, 'give the full path of the folder')
  if (!(await isDirectory(folder))) throw notARepository(folder, 'there is no folder there')
  const dotGit = path.join(folder, '.git')
  let gitdir: string
  let bare = false
  if (await isDirectory(dotGit)) gitdir = dotGit
  else if (await isFile(dotGit)) {
    const text = await readFile(dotGit, 'utf8')
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(text)
    if (!match?.[1]) throw notARepository(folder, 'its .git file does not say where the repository is')
    gitdir = path.resolve(folder, match[1])
  } else if (await looksLikeGitdir(folder)) {
    gitdir = folder
    bare = true
  } else throw notARepository(folder, 'it has no .git folder')
  const commondir = path.join(gitdir, 'commondir')
  if (await isFile(commondir)) gitdir = path.resolve(gitdir, (await readFile(commondir, 'utf8')).trim())
  if (!(await looksLikeGitdir(gitdir))) throw notARepository(folder, 'its git folder has no HEAD, objects or refs')
  return { gitdir, bare }
}
