/**
 * Generated git repositories for the history tests and the benchmark, built with native git.
 *
 * `generateRepo` writes one `git fast-import` stream (no work tree, no per-commit process), so
 * 20,000 commits over 5,000 files build in seconds: merges of short branches, renames, deletions,
 * a binary file, exec-bit changes, runs of commits in the same second and, on request, commits
 * dated before their parent (clock skew). Everything follows from the seed, so a failing test
 * names a repository anyone can rebuild. `buildDag` makes small hand-drawn graphs (octopus and
 * criss-cross merges, several roots) with exact timestamps. `git` and `gitBuffer` run git with
 * no user or system configuration, so the machine's settings cannot change what a test sees.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Git's environment for tests: no user or system config, a fixed identity, no prompts. */
export function gitEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Ada Example',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada Example',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
    LC_ALL: 'C',
    ...extra,
  }
}

const BASE_CONFIG = ['-c', 'init.defaultBranch=master', '-c', 'commit.gpgSign=false', '-c', 'core.autocrlf=false']

/** Runs git in `cwd` (no shell) and returns its stdout as text, without the final newline. */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...BASE_CONFIG, ...args],
      { cwd, env: gitEnv(), encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
        else resolve(stdout.replace(/\n$/, ''))
      },
    )
  })
}

/** Runs git with bytes in and out (`cat-file --batch`, `fast-import`), and extra environment. */
export function gitBuffer(
  cwd: string,
  args: readonly string[],
  options: { input?: Buffer | string; env?: Readonly<Record<string, string>> } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_CONFIG, ...args], { cwd, env: gitEnv(options.env) })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new Error(`git ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().trim()}`))
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}

/** A fresh folder under the system's temp folder; remove it with `rm(dir, { recursive: true })`. */
export async function tempDir(name: string): Promise<string> {
  const dir = path.join(tmpdir(), `rd-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`)
  await mkdir(dir, { recursive: true })
  return dir
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same repository. */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Writes a fast-import stream to a child process, honouring its back pressure. */
class ImportStream {
  private readonly child
  private readonly done: Promise<void>
  private parts: Buffer[] = []
  private pending = 0

  constructor(gitdir: string, marksFile: string) {
    this.child = spawn(
      'git',
      [...BASE_CONFIG, `--git-dir=${gitdir}`, 'fast-import', '--quiet', '--done', `--export-marks=${marksFile}`],
      { env: gitEnv(), stdio: ['pipe', 'ignore', 'pipe'] },
    )
    const err: Buffer[] = []
    this.child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject)
      this.child.on('close', (code) => {
        if (code === 0) resolve()
        else reject(new Error(`git fast-import exited ${code}: ${Buffer.concat(err).toString().trim()}`))
      })
    })
    // A failed import closes stdin; the close handler reports why.
    this.child.stdin.on('error', () => undefined)
  }

  text(value: string): void {
    this.push(Buffer.from(value, 'utf8'))
  }

  /** `data <n>\n<bytes>\n`, git's counted form (safe for any bytes). */
  data(bytes: Buffer | string): void {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
    this.text(`data ${buffer.length}\n`)
    this.push(buffer)
    this.text('\n')
  }

  private push(buffer: Buffer): void {
    this.parts.push(buffer)
    this.pending += buffer.length
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return
    const chunk = Buffer.concat(this.parts)
    this.parts = []
    this.pending = 0
    if (!this.child.stdin.write(chunk))
      await new Promise<void>((resolve) => {
        const settle = (): void => {
          this.child.stdin.off('drain', settle)
          this.child.off('close', settle)
          resolve()
        }
        this.child.stdin.once('drain', settle)
        // A process that died never drains; `finish` then reports its exit.
        this.child.once('close', settle)
      })
  }

  /** Flushes when a megabyte has gathered. */
  async maybeFlush(): Promise<void> {
    if (this.pending >= 1024 * 1024) await this.flush()
  }

  async finish(): Promise<void> {
    this.text('done\n')
    await this.flush()
    this.child.stdin.end()
    await this.done
  }
}

/** Reads fast-import's exported marks: `:<mark> <oid>` per line. */
async function readMarks(file: string): Promise<Map<number, string>> {
  const marks = new Map<number, string>()
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const match = /^:(\d+) ([0-9a-f]{40})$/.exec(line)
    if (match) marks.set(Number(match[1]), match[2] ?? '')
  }
  return marks
}

async function initRepo(dir: string, bare: boolean): Promise<string> {
  await mkdir(dir, { recursive: true })
  await git(dir, 'init', '-q', ...(bare ? ['--bare'] : []), '.')
  return bare ? dir : path.join(dir, '.git')
}

export interface GenerateOptions {
  /** Commits in all (merges and the commits of merged branches included). */
  readonly commits: number
  /** Text files in the first commit (a binary file comes on top). */
  readonly files: number
  /** A short branch is merged about every this many commits; 0 for a straight line. */
  readonly mergeEvery: number
  /** How many runs of 3 to 12 commits share one committer second, spread over the history. */
  readonly sameSecondRuns: number
  readonly seed: number
  /** A bare repository (the default makes a work tree and checks `master` out). */
  readonly bare?: boolean
  /** About every this many commits is dated a day before its parent (clock skew); 0 for never. */
  readonly skewEvery?: number
}

export interface GeneratedRepo {
  readonly gitdir: string
  /** `master`'s commit. */
  readonly head: string
}

const PEOPLE = [
  ['Ada Lovelace', 'ada@example.com'],
  ['Grace Hopper', 'grace@navy.example'],
  ['Zoë Martín', 'zoe@example.es'],
  ['Łukasz Nowak', 'lukasz@example.pl'],
  ['Margaret Hamilton', 'margaret@apollo.example'],
  ['Ken Thompson', 'ken@bell.example'],
  ['Søren Ødegaard', 'soren@example.no'],
  ['Pantheon Bot', 'bot@getpantheon.example'],
] as const
const VERBS = ['Fix', 'Add', 'Update', 'Remove', 'Refactor', 'Improve', 'Document', 'Rename', 'Tune', 'Revert']
const NOUNS = ['cache', 'login', 'checkout', 'search', 'menu', 'theme', 'cron', 'upload', 'sitemap', 'webform']
const PLACES = ['module', 'settings', 'template', 'views', 'migration', 'hook', 'block', 'Übersetzung', 'café', 'API']
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'golf', 'hotel', 'kilo', 'lima', 'oscar', 'tango', 'zulu', 'sierra']
const EXTENSIONS = ['php', 'js', 'css', 'md', 'yml', 'txt']

/**
 * Generates a repository from `seed`: a first commit with `files` text files and a binary file,
 * then commits that edit one to four files, now and then add, delete or rename one, flip an
 * exec bit or change the binary file, with short branches merged every `mergeEvery` commits.
 */
export async function generateRepo(dir: string, options: GenerateOptions): Promise<GeneratedRepo> {
  const gitdir = await initRepo(dir, options.bare === true)
  const random = prng(options.seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const int = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1))
  const sentence = (): string => Array.from({ length: int(3, 9) }, () => pick(WORDS)).join(' ')

  // The work tree as a model: path -> lines; an array of paths for picking one at random.
  const content = new Map<string, string[]>()
  const paths: string[] = []
  const place = new Map<string, number>()
  const addPath = (file: string, lines: string[]): void => {
    content.set(file, lines)
    place.set(file, paths.length)
    paths.push(file)
  }
  const removePath = (file: string): void => {
    const at = place.get(file) as number
    const last = paths.pop() as string
    if (last !== file) {
      paths[at] = last
      place.set(last, at)
    }
    place.delete(file)
    content.delete(file)
  }
  let nextFile = 0
  const newPath = (): string => {
    const n = nextFile++
    const name = n % 97 === 5 ? `notes ${n}.md` : `f${n}.${EXTENSIONS[n % EXTENSIONS.length]}`
    return `src/m${String(n % 64).padStart(2, '0')}/${name}`
  }
  const quote = (file: string): string => (file.includes(' ') ? JSON.stringify(file) : file)
  const executable = new Set<string>()
  const BINARY = 'assets/logo.bin'
  let binary = Buffer.from(Array.from({ length: 600 }, () => int(0, 255)))
  binary[10] = 0

  const marksFile = path.join(gitdir, 'generate-marks')
  const stream = new ImportStream(gitdir, marksFile)
  let mark = 0
  let time = 1_577_836_800
  const total = Math.max(1, options.commits)
  const runs = Math.max(0, options.sameSecondRuns)
  const runStarts = new Map<number, number>()
  for (let run = 0; run < runs; run += 1) runStarts.set(Math.floor(((run + 0.5) * total) / runs), int(3, 12))
  let sameSecondLeft = 0
  let made = 0

  const writeFile = (file: string): void => {
    const mode = executable.has(file) ? '100755' : '100644'
    stream.text(`M ${mode} inline ${quote(file)}\n`)
    stream.data(`${(content.get(file) as string[]).join('\n')}\n`)
  }
  const editLines = (lines: string[]): string[] => {
    const next = lines.slice()
    const roll = random()
    if (roll < 0.5 || next.length < 3) next.splice(int(0, next.length), 0, sentence())
    else if (roll < 0.8) next[int(0, next.length - 1)] = sentence()
    else next.splice(int(0, next.length - 1), 1)
    return next
  }

  /** Writes a commit's header and returns its mark; `parents` are marks (the first is `from`). */
  const header = (ref: string, parents: readonly number[]): number => {
    mark += 1
    made += 1
    const start = runStarts.get(made)
    if (start !== undefined) sameSecondLeft = start
    if (sameSecondLeft > 0) sameSecondLeft -= 1
    else time += int(30, 7200)
    const skewed = options.skewEvery && made % options.skewEvery === 0
    const committed = skewed ? time - 86_400 : time
    const [name, email] = pick(PEOPLE)
    const authored = random() < 0.1 ? committed - int(60, 3 * 86_400) : committed
    const committer = random() < 0.15 ? PEOPLE[7] : [name, email]
    const subject = `${pick(VERBS)} ${pick(NOUNS)} ${pick(PLACES)} (#${int(1, 999)})`
    const body = random() < 0.3 ? `\n\n${sentence()}.\n${sentence()}.` : ''
    stream.text(`commit ${ref}\nmark :${mark}\n`)
    stream.text(`author ${name} <${email}> ${authored} +0100\n`)
    stream.text(`committer ${committer[0]} <${committer[1]}> ${committed} +0000\n`)
    stream.data(`${subject}${body}\n`)
    if (parents.length > 0) stream.text(`from :${parents[0]}\n`)
    for (const parent of parents.slice(1)) stream.text(`merge :${parent}\n`)
    return mark
  }

  /** One ordinary commit's changes on the model, skipping paths in `locked` (a branch's files). */
  const changes = (locked: ReadonlySet<string>, onBranch: boolean): void => {
    const free = (): string | null => {
      for (let tries = 0; tries < 8; tries += 1) {
        const file = pick(paths)
        if (!locked.has(file)) return file
      }
      return null
    }
    const edits = int(1, 4)
    for (let i = 0; i < edits; i += 1) {
      const file = free()
      if (!file) continue
      content.set(file, editLines(content.get(file) as string[]))
      writeFile(file)
    }
    if (onBranch) return
    const roll = random()
    if (roll < 0.03) {
      const file = newPath()
      addPath(
        file,
        Array.from({ length: int(5, 30) }, () => sentence()),
      )
      writeFile(file)
    } else if (roll < 0.05 && paths.length > 10) {
      const file = free()
      if (file) {
        removePath(file)
        executable.delete(file)
        stream.text(`D ${quote(file)}\n`)
      }
    } else if (roll < 0.07) {
      const file = free()
      if (file) {
        const lines = content.get(file) as string[]
        const wasExecutable = executable.delete(file)
        removePath(file)
        const renamed = newPath()
        addPath(renamed, lines)
        if (wasExecutable) executable.add(renamed)
        stream.text(`R ${quote(file)} ${quote(renamed)}\n`)
        if (random() < 0.3) {
          content.set(renamed, editLines(lines))
          writeFile(renamed)
        }
      }
    } else if (roll < 0.08) {
      const file = free()
      if (file) {
        if (!executable.delete(file)) executable.add(file)
        writeFile(file)
      }
    } else if (roll < 0.09) {
      binary = Buffer.from(binary)
      for (let i = 0; i < 16; i += 1) binary[int(0, binary.length - 1)] = int(0, 255)
      binary[10] = 0
      stream.text(`M 100644 inline ${BINARY}\n`)
      stream.data(binary)
    }
  }

  // The first commit: every file.
  for (let i = 0; i < options.files; i += 1)
    addPath(
      newPath(),
      Array.from({ length: int(5, 40) }, () => sentence()),
    )
  let tip = header('refs/heads/master', [])
  for (const file of paths) writeFile(file)
  stream.text(`M 100644 inline ${BINARY}\n`)
  stream.data(binary)
  await stream.flush()

  const none = new Set<string>()
  while (made < total) {
    const left = total - made
    if (options.mergeEvery > 0 && left >= 4 && made % options.mergeEvery === 0) {
      // A short branch off master: its files are locked on master until the merge, whose tree
      // is master's plus the branch's edits (a clean three-way merge).
      const fork = tip
      const branchCommits = int(1, Math.min(3, left - 3))
      const saved = new Map<string, string[]>()
      const locked = new Set<string>()
      let branchTip = fork
      for (let i = 0; i < branchCommits; i += 1) {
        branchTip = header('refs/heads/topic', [branchTip])
        const count = int(1, 3)
        for (let j = 0; j < count; j += 1) {
          const file = pick(paths)
          if (!saved.has(file)) saved.set(file, content.get(file) as string[])
          locked.add(file)
          content.set(file, editLines(content.get(file) as string[]))
          writeFile(file)
        }
      }
      // Master does not see the branch's edits until the merge.
      const branchState = new Map<string, string[]>()
      for (const [file, before] of saved) {
        branchState.set(file, content.get(file) as string[])
        content.set(file, before)
      }
      const masterCommits = int(1, Math.min(2, total - made - 1))
      for (let i = 0; i < masterCommits; i += 1) {
        tip = header('refs/heads/master', [tip])
        changes(locked, true)
      }
      tip = header('refs/heads/master', [tip, branchTip])
      for (const [file, lines] of branchState) {
        content.set(file, lines)
        writeFile(file)
      }
    } else {
      tip = header('refs/heads/master', [tip])
      changes(none, false)
    }
    await stream.maybeFlush()
  }
  stream.text('reset refs/heads/topic\nfrom 0000000000000000000000000000000000000000\n')
  await stream.finish()
  const marks = await readMarks(marksFile)
  await rm(marksFile, { force: true })
  const head = marks.get(tip)
  if (!head) throw new Error('fast-import did not report the last commit')
  if (!options.bare) await git(dir, 'reset', '-q', '--hard', 'master')
  return { gitdir, head }
}

/** One commit of a hand-drawn graph. */
export interface DagCommit {
  readonly name: string
  /** Names of earlier commits, first parent first. */
  readonly parents: readonly string[]
  /** Committer (and author) time, epoch seconds. */
  readonly time: number
  readonly message?: string
  readonly author?: readonly [name: string, email: string]
}

/**
 * Builds a graph of commits (each adds a file named after it) in a new bare repository and
 * returns the gitdir and each commit's id by name. Commits come in the order given.
 */
export async function buildDag(
  dir: string,
  commits: readonly DagCommit[],
): Promise<{ gitdir: string; ids: Map<string, string> }> {
  const gitdir = await initRepo(dir, true)
  const marksFile = path.join(gitdir, 'dag-marks')
  const stream = new ImportStream(gitdir, marksFile)
  const markOf = new Map<string, number>()
  commits.forEach((commit, index) => {
    const mark = index + 1
    markOf.set(commit.name, mark)
    const [name, email] = commit.author ?? ['Ada Example', 'ada@example.com']
    // A root commit needs the branch emptied first, or fast-import would chain it on.
    if (commit.parents.length === 0) stream.text('reset refs/heads/dag\n')
    stream.text(`commit refs/heads/dag\nmark :${mark}\n`)
    stream.text(`author ${name} <${email}> ${commit.time} +0000\ncommitter ${name} <${email}> ${commit.time} +0000\n`)
    stream.data(`${commit.message ?? commit.name}\n`)
    commit.parents.forEach((parent, at) => {
      const parentMark = markOf.get(parent)
      if (parentMark === undefined) throw new Error(`${commit.name}'s parent ${parent} comes later or not at all`)
      stream.text(`${at === 0 ? 'from' : 'merge'} :${parentMark}\n`)
    })
    stream.text(`M 100644 inline ${commit.name}.txt\n`)
    stream.data(`${commit.name}\n`)
  })
  stream.text('reset refs/heads/dag\nfrom 0000000000000000000000000000000000000000\n')
  await stream.finish()
  const marks = await readMarks(marksFile)
  await rm(marksFile, { force: true })
  const ids = new Map<string, string>()
  for (const [name, mark] of markOf) ids.set(name, marks.get(mark) as string)
  return { gitdir, ids }
}

/** `git rev-list <args>` as a list of ids. */
export async function revList(gitdir: string, ...args: string[]): Promise<string[]> {
  const out = await git(gitdir, 'rev-list', ...args)
  return out === '' ? [] : out.split('\n')
}
