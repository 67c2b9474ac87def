/**
 * Repositories for the diff tests, built with native git, and git's own answers (numstat,
 * name-status, patch) in the shapes the tests compare with. Git runs with no global or system
 * configuration, so the answers are git's defaults whatever the machine has set.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { DiffHunk, FileChange } from '../../../../src/shared/history'

const exec = promisify(execFile)

/** The tree with no entries: what a root commit is compared with. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

function gitEnv(when: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('GIT_')) delete env[key]
  return Object.assign(env, {
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Ada Example',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Grace Committer',
    GIT_COMMITTER_EMAIL: 'grace@example.com',
    GIT_AUTHOR_DATE: `@${when} +0000`,
    GIT_COMMITTER_DATE: `@${when} +0000`,
    GIT_TERMINAL_PROMPT: '0',
  })
}

/** A work tree with native git, and a clock that moves one minute per commit. */
export class DiffRepo {
  #when = 1_700_000_000
  /** Submodule entries live only in the index: `add -A` must leave them alone. */
  readonly #submodules = new Set<string>()
  private constructor(readonly dir: string) {}

  static async create(): Promise<DiffRepo> {
    const repo = new DiffRepo(await mkdtemp(path.join(os.tmpdir(), 'restore-desk-diff-')))
    await repo.git('init', '-q', '-b', 'master')
    return repo
  }

  get gitdir(): string {
    return path.join(this.dir, '.git')
  }

  /** Runs git and returns stdout as bytes. */
  async gitBytes(...args: string[]): Promise<Buffer> {
    const { stdout } = await exec(
      'git',
      ['-c', 'core.quotePath=false', '-c', 'commit.gpgSign=false', '-c', 'core.autocrlf=false', ...args],
      { cwd: this.dir, env: gitEnv(this.#when), maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' },
    )
    return stdout
  }

  async git(...args: string[]): Promise<string> {
    return (await this.gitBytes(...args)).toString('utf8').trim()
  }

  async write(file: string, content: string | Buffer, mode?: number): Promise<void> {
    const full = path.join(this.dir, file)
    await mkdir(path.dirname(full), { recursive: true })
    await rm(full, { recursive: true, force: true })
    await writeFile(full, content)
    if (mode !== undefined) await chmod(full, mode)
  }

  async link(file: string, target: string): Promise<void> {
    const full = path.join(this.dir, file)
    await mkdir(path.dirname(full), { recursive: true })
    await rm(full, { recursive: true, force: true })
    await symlink(target, full)
  }

  async chmod(file: string, mode: number): Promise<void> {
    await chmod(path.join(this.dir, file), mode)
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.dir, file), { recursive: true, force: true })
  }

  /** Records a submodule entry (a commit of another repository) without cloning anything. */
  async submodule(file: string, commit: string): Promise<void> {
    await this.git('update-index', '--add', '--cacheinfo', `160000,${commit},${file}`)
    this.#submodules.add(file)
  }

  /** Stages everything and commits; returns the commit's id. */
  async commit(message: string): Promise<string> {
    this.#when += 60
    await this.git('add', '-A', '--', '.', ...[...this.#submodules].map((file) => `:(exclude)${file}`))
    await this.git('commit', '-q', '--allow-empty', '-m', message)
    return this.git('rev-parse', 'HEAD')
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** `-z` output split at NULs (the last, empty, piece dropped). */
function fields(bytes: Buffer): string[] {
  const parts = bytes.toString('utf8').split('\0')
  if (parts[parts.length - 1] === '') parts.pop()
  return parts
}

/** `git diff --name-status -M` as lines `<status>\t<path>[\t<new path>]`. */
export async function gitNameStatus(repo: DiffRepo, from: string, to: string, ...extra: string[]): Promise<string[]> {
  const parts = fields(await repo.gitBytes('diff', '--name-status', '-M', '-z', ...extra, from, to))
  const lines: string[] = []
  for (let i = 0; i < parts.length;) {
    const status = parts[i++] ?? ''
    const paths = /^[RC]/.test(status) ? [parts[i++], parts[i++]] : [parts[i++]]
    lines.push([status, ...paths].join('\t'))
  }
  return lines
}

/** `git diff --numstat -M` as lines `<added>\t<removed>\t<path>[\t<new path>]`. */
export async function gitNumstat(repo: DiffRepo, from: string, to: string, ...extra: string[]): Promise<string[]> {
  const parts = fields(await repo.gitBytes('diff', '--numstat', '-M', '-z', ...extra, from, to))
  const lines: string[] = []
  for (let i = 0; i < parts.length;) {
    const head = parts[i++] ?? ''
    // A rename's entry is "<added>\t<removed>\t" and then the two paths as their own fields.
    if (head.endsWith('\t')) lines.push(`${head}${parts[i++]}\t${parts[i++]}`)
    else lines.push(head)
  }
  return lines
}

/** Our files as git's --name-status: a change of kind (deleted then added, one path) is git's `T`. */
export function ourNameStatus(files: readonly FileChange[]): string[] {
  const lines: string[] = []
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!
    const next = files[i + 1]
    if (file.status === 'deleted' && next?.status === 'added' && next.path === file.path) {
      lines.push(`T\t${file.path}`)
      i++
    } else if (file.status === 'renamed')
      lines.push(`R${String(file.similarity).padStart(3, '0')}\t${file.oldPath}\t${file.path}`)
    else lines.push(`${file.status[0]!.toUpperCase()}\t${file.path}`)
  }
  return lines
}

/** Our files as git's --numstat (a change of kind is one line with both halves' counts). */
export function ourNumstat(files: readonly FileChange[]): string[] {
  const lines: string[] = []
  const count = (n: number | null): string => (n === null ? '-' : String(n))
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!
    const next = files[i + 1]
    if (file.status === 'deleted' && next?.status === 'added' && next.path === file.path) {
      const binary = file.binary || next.binary
      const added = binary ? '-' : String((file.added ?? 0) + (next.added ?? 0))
      const removed = binary ? '-' : String((file.removed ?? 0) + (next.removed ?? 0))
      lines.push(`${added}\t${removed}\t${file.path}`)
      i++
    } else {
      const paths = file.status === 'renamed' ? `${file.oldPath}\t${file.path}` : file.path
      lines.push(`${count(file.added)}\t${count(file.removed)}\t${paths}`)
    }
  }
  return lines
}

/** Hunks as `git diff` prints them, each header without git's function-name suffix. */
export function renderHunks(hunks: readonly DiffHunk[]): string {
  const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`)
  let out = ''
  for (const hunk of hunks) {
    out += `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@\n`
    for (const line of hunk.lines) {
      out += `${line.kind}${line.text}\n`
      if (line.noNewline) out += '\\ No newline at end of file\n'
    }
  }
  return out
}

/**
 * `git diff -U3 -M` split into its files, in order, each as its hunks' text (headers without the
 * function name), or null where git printed no hunks (binary files, mode or rename only).
 */
export async function gitPatches(repo: DiffRepo, from: string, to: string): Promise<(string | null)[]> {
  const text = (await repo.gitBytes('diff', '-U3', '-M', from, to)).toString('utf8')
  const sections = text.split(/^diff --git .*\n/m).slice(1)
  return sections.map((section) => {
    const at = section.search(/^@@ /m)
    if (at === -1) return null
    return section.slice(at).replace(/^(@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@).*$/gm, '$1')
  })
}
