/**
 * What the rollback tests share: a work repository built with native git on a fixed clock, a
 * bare copy served over smart HTTP by `git http-backend` (Basic auth) and the app's own clone of
 * it (clone.ts), an operation context like the worker's, native git's answers (`git revert`,
 * `git reset --hard` in a clone of their own) and snapshots of everything a refused operation
 * must leave as it was: the object store's files, every ref, the working folder.
 */
import { execFile } from 'node:child_process'
import { chmod, lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { cloneRepository } from '../../../../src/main/git/clone'
import { closeHistoryState } from '../../../../src/main/git/history-operations'
import { openRepoSession } from '../../../../src/main/git/objects'
import type { EnvTarget, OpContext, RepoSession } from '../../../../src/main/git/worker-protocol'
import type { GitProgress } from '../../../../src/shared/history'
import { GIT_ENV, removeDir, serveGitHttp, tempDir, type GitHttpServer } from '../clone-helpers'

const exec = promisify(execFile)

export const TOKEN = 'rollback-token'
/** Who the tests' new commits are by, and when (native git is given the same). */
export const AUTHOR = { name: 'Rita Reverter', email: 'rita@example.com' }
export const TIME = 1_750_000_000

function env(when: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...GIT_ENV,
    GIT_AUTHOR_DATE: `@${when} +0000`,
    GIT_COMMITTER_DATE: `@${when} +0000`,
    ...extra,
  }
}

/** Runs native git in `cwd` at a moment; resolves with trimmed stdout. */
export async function gitAt(cwd: string, args: readonly string[], when = TIME, extra: Record<string, string> = {}) {
  const { stdout } = await exec(
    'git',
    ['-c', 'core.autocrlf=false', '-c', 'commit.gpgSign=false', '-c', 'init.defaultBranch=master', ...args],
    { cwd, env: env(when, extra), maxBuffer: 256 * 1024 * 1024 },
  )
  return stdout.trim()
}

/** A work repository whose clock moves one minute per commit. */
export class WorkRepo {
  #when = 1_700_000_000
  private constructor(readonly dir: string) {}

  static async create(label: string): Promise<WorkRepo> {
    const repo = new WorkRepo(await tempDir(`rollback-${label}`))
    await repo.git('init', '-q', '-b', 'master')
    return repo
  }

  git(...args: string[]): Promise<string> {
    return gitAt(this.dir, args, this.#when)
  }

  async write(file: string, content: string | Buffer, mode?: number): Promise<void> {
    const full = path.join(this.dir, file)
    await mkdir(path.dirname(full), { recursive: true })
    await rm(full, { force: true })
    await writeFile(full, content)
    if (mode !== undefined) await chmod(full, mode)
  }

  async link(file: string, target: string): Promise<void> {
    const full = path.join(this.dir, file)
    await mkdir(path.dirname(full), { recursive: true })
    await rm(full, { force: true })
    await symlink(target, full)
  }

  async chmod(file: string, mode: number): Promise<void> {
    await chmod(path.join(this.dir, file), mode)
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.dir, file), { recursive: true, force: true })
  }

  async rename(from: string, to: string): Promise<void> {
    await mkdir(path.dirname(path.join(this.dir, to)), { recursive: true })
    await this.git('mv', from, to)
  }

  /** Commits everything and returns the commit's id. */
  async commit(message: string): Promise<string> {
    this.#when += 60
    await this.git('add', '-A')
    await this.git('commit', '-q', '--allow-empty', '-m', message)
    return this.git('rev-parse', 'HEAD')
  }

  async close(): Promise<void> {
    await removeDir(this.dir)
  }
}

/** Lines that read like code, numbered so each is distinct. */
export function lines(name: string, count: number, from = 1): string[] {
  return Array.from(
    { length: count },
    (_, i) => `const ${name}${from + i} = ${(from + i) * 7} // ${name} line ${from + i}`,
  )
}

export function text(list: readonly string[]): string {
  return list.map((line) => `${line}\n`).join('')
}

/** Binary content: "lines" of bytes with NULs in them, so a line merge could (wrongly) combine two edits. */
export function binaryLines(seed: number, count = 40): Buffer[] {
  let state = seed
  return Array.from({ length: count }, () => {
    const line = Buffer.alloc(24)
    for (let i = 0; i < line.length; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      line[i] = (state >> 16) & 0xff
      if (line[i] === 0x0a) line[i] = 0x0b
    }
    line[3] = 0
    return Buffer.concat([line, Buffer.from('\n')])
  })
}

/** A remote (bare copy of `work`, served over HTTP) and the app's clone of it. */
export interface Served {
  readonly remoteDir: string
  readonly url: string
  readonly cloneGitdir: string
  readonly server: GitHttpServer
  close(): Promise<void>
}

export async function serve(work: WorkRepo, name = 'site.git'): Promise<Served> {
  const root = await tempDir('rollback-remote')
  const remoteDir = path.join(root, name)
  await gitAt(root, ['clone', '-q', '--bare', work.dir, remoteDir])
  const server = await serveGitHttp(root, TOKEN)
  const url = server.url(name)
  const folder = path.join(root, 'app-clone')
  const { gitdir } = await cloneRepository({
    url,
    token: TOKEN,
    folder,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  })
  return {
    remoteDir,
    url,
    cloneGitdir: gitdir,
    server,
    close: async () => {
      await server.close()
      await removeDir(root)
    },
  }
}

/** An operation context like the worker's: one session per repository, dropped on close. */
export function opContext(
  signal: AbortSignal = new AbortController().signal,
): OpContext & { readonly progressSeen: GitProgress[]; close(): Promise<void> } {
  const sessions = new Map<string, RepoSession>()
  const progressSeen: GitProgress[] = []
  const dropSession = (gitdir: string): void => {
    const session = sessions.get(gitdir)
    sessions.delete(gitdir)
    if (session) void closeHistoryState(session)
  }
  return {
    signal,
    progress: (progress) => void progressSeen.push(progress),
    session(gitdir) {
      let session = sessions.get(gitdir)
      if (!session) {
        session = openRepoSession(gitdir)
        sessions.set(gitdir, session)
      }
      return session
    },
    dropSession,
    progressSeen,
    async close() {
      for (const gitdir of [...sessions.keys()]) dropSession(gitdir)
    },
  }
}

/** dev at `head` (and nothing else), as the host hands environments to the worker. */
export function devAt(head: string): EnvTarget[] {
  return [{ env: 'dev', oid: head, ref: 'refs/heads/master' }]
}

/** What native git's revert (or another command) made in a fresh clone of `source`. */
export type NativeResult = { readonly commit: string; readonly tree: string } | { readonly conflict: string }

const WHO = {
  GIT_AUTHOR_NAME: AUTHOR.name,
  GIT_AUTHOR_EMAIL: AUTHOR.email,
  GIT_COMMITTER_NAME: AUTHOR.name,
  GIT_COMMITTER_EMAIL: AUTHOR.email,
}

/** `git revert --no-edit [-m 1] <oid>` in the clone at `work`, by AUTHOR at TIME. */
export async function nativeRevertIn(work: string, oid: string, mainline = false): Promise<NativeResult> {
  try {
    await gitAt(work, ['revert', '--no-edit', ...(mainline ? ['-m', '1'] : []), oid], TIME, WHO)
  } catch (error) {
    return { conflict: String((error as { stdout?: string }).stdout ?? error) }
  }
  return { commit: await gitAt(work, ['rev-parse', 'HEAD']), tree: await gitAt(work, ['rev-parse', 'HEAD^{tree}']) }
}

/** `git revert --no-edit [-m 1] <oid>` in a fresh clone of `source`. */
export async function nativeRevert(source: string, oid: string, mainline = false): Promise<NativeResult> {
  const work = await nativeClone(source, 'rollback-native')
  try {
    return await nativeRevertIn(work, oid, mainline)
  } finally {
    await removeDir(path.dirname(work))
  }
}

/** A fresh native clone of `source` with its working folder (removed by the caller). */
export async function nativeClone(source: string, label: string): Promise<string> {
  const dir = path.join(await tempDir(label), 'work')
  await gitAt(path.dirname(dir), ['clone', '-q', source, 'work'])
  return dir
}

/** Every file under a folder (relative, sorted); optionally without one subfolder. */
export async function filesUnder(root: string, skip?: string): Promise<string[]> {
  const out: string[] = []
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name)
      if (skip !== undefined && full === path.join(root, skip)) continue
      if (entry.isDirectory()) await visit(full)
      else out.push(path.relative(root, full))
    }
  }
  await visit(root)
  return out.sort()
}

/** Every folder under `root` that holds nothing (git never leaves one behind). */
export async function emptyFolders(root: string): Promise<string[]> {
  const out: string[] = []
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    if (entries.length === 0) out.push(path.relative(root, dir))
    for (const entry of entries)
      if (entry.isDirectory() && entry.name !== '.git') await visit(path.join(dir, entry.name))
  }
  await visit(root)
  return out
}

/** A working folder as git sees it: each file's kind, exec bit and content, `.git` left out. */
export async function workingFolder(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const file of await filesUnder(root, '.git')) {
    const full = path.join(root, file)
    const stats = await lstat(full)
    out[file] = stats.isSymbolicLink()
      ? `link ${await readlink(full)}`
      : `${stats.mode & 0o100 ? 'exec' : 'file'} ${(await readFile(full)).toString('base64')}`
  }
  return out
}

/** Everything a refused operation must leave as it was: the object files and every ref. */
export async function snapshot(gitdir: string): Promise<{ objects: string[]; refs: string }> {
  const refs = await gitAt(gitdir, ['for-each-ref', '--format=%(refname) %(objectname)'])
  const head = await readFile(path.join(gitdir, 'HEAD'), 'utf8')
  return { objects: await filesUnder(path.join(gitdir, 'objects')), refs: `${head}\n${refs}` }
}
