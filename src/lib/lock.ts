/**
 * One process per data folder: one platform per platform folder, one Restore Desk per app
 * folder. Two over one folder would run the same workflows or downloads twice and overwrite
 * each other's state.
 *
 * The lock is a listening local socket whose name is derived from the folder's real path and
 * the user: on Linux a socket in the abstract namespace (no file, so nothing can delete it and no
 * environment variable changes where it is), on Windows a named pipe, on macOS a Unix domain
 * socket in a fixed private folder under /tmp. The kernel closes
 * it the moment its holder dies, even by kill -9 or a power cut, so a dead process never holds
 * it; a pid file could only guess, and a pid that lives on (a zombie being reaped, or a pid
 * reused after a reboot) blocked every start. The holder answers a connection with its pid and
 * whether it is shutting down: a start waits (bounded) for one that is exiting, and names one
 * that is running. On macOS a socket file left behind answers "connection refused" and is replaced,
 * under a short take-over guard so two starts cannot both replace it. `<fileName>` in the data
 * folder holds the holder's pid, for people only; nothing reads it to decide.
 *
 * Hand-written because Node has no flock/LockFileEx, and the lock packages on npm
 * (proper-lockfile, lockfile) keep a lock folder or file fresh by its mtime, which a dead
 * process also holds until a timeout runs out.
 */
import { createHash } from 'node:crypto'
import { chmod, lstat, mkdir, readFile, realpath, rm, stat } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './atomic'

/** A held data folder lock. */
export interface DataDirLock {
  /** The pid file in the data folder (information for people). */
  readonly file: string
  /** The socket (or pipe) that is the lock. */
  readonly address: string
  /** Tells starts that ask from now on that this process is shutting down, so they wait for it. */
  markExiting(): void
  /** Gives the lock up; the pid file goes first, while it is still surely this process's. */
  release(): Promise<void>
}

/** Which lock to take, and how to say it is taken. */
export interface LockOptions {
  /** Default `platform.lock`; the app takes `restore-desk.lock` in its own data folder. */
  readonly fileName?: string
  /** The error for a running holder (`owner` is undefined when it does not say who it is). */
  readonly busy?: (dataDir: string, owner: number | undefined) => Error
  /** The error for a holder still shutting down after `waitMs`. */
  readonly stillExiting?: (dataDir: string, owner: number | undefined, waitMs: number) => Error
  /** How long to wait for a holder that is exiting; default 5000 ms. */
  readonly waitMs?: number
  /**
   * Where a file-system socket goes. Default: none on Linux (an abstract socket) and Windows (a
   * pipe), `/tmp/restore-desk-<uid>` on macOS. Never read from the environment: two starts with
   * different TMPDIR or XDG_RUNTIME_DIR must still find the same lock.
   */
  readonly runtimeDir?: string
}

const pidText = (owner: number | undefined): string =>
  owner === undefined ? 'a process that does not answer' : `pid ${owner}`

const platformBusy = (dataDir: string, owner: number | undefined): Error =>
  new Error(
    `Another platform is already using ${dataDir} (${pidText(owner)}). Stop it or choose another --data folder.`,
  )

const platformStillExiting = (dataDir: string, owner: number | undefined, waitMs: number): Error =>
  new Error(
    `The platform that used ${dataDir} (${pidText(owner)}) is still shutting down after ${waitMs / 1000} s. ` +
      'Wait until it has stopped, or stop it, then start again.',
  )

const answerSchema = z.object({ pid: z.number().int().positive(), state: z.enum(['running', 'exiting']) })

type Probe =
  | { readonly kind: 'holder'; readonly pid: number | undefined; readonly state: 'running' | 'exiting' }
  /** Nothing listens: a socket file left by a holder that died. */
  | { readonly kind: 'stale' }
  /** No socket at all, or a holder that closed without answering (it is dying): look again. */
  | { readonly kind: 'gone' }

const PROBE_TIMEOUT_MS = 1000
/** A take-over guard older than this was left by a process that died during its few milliseconds. */
const GUARD_STALE_MS = 2000
/** Unix socket paths are limited to 104 (macOS) or 108 (Linux) bytes. */
const MAX_SOCKET_PATH = 100

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Asks the holder at `address` who it is. */
function probe(address: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = net.connect(address)
    let text = ''
    let settled = false
    const settle = (result: Probe): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    // Connected but silent: a holder that is stopped or hung still holds the lock.
    const timer = setTimeout(() => settle({ kind: 'holder', pid: undefined, state: 'running' }), PROBE_TIMEOUT_MS)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
      if (text.length > 1000) settle({ kind: 'holder', pid: undefined, state: 'running' })
    })
    socket.on('close', () => {
      if (text === '') return settle({ kind: 'gone' })
      let parsed: z.output<typeof answerSchema> | undefined
      try {
        parsed = answerSchema.safeParse(JSON.parse(text)).data
      } catch {
        parsed = undefined
      }
      settle({ kind: 'holder', pid: parsed?.pid, state: parsed?.state ?? 'running' })
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') settle({ kind: 'stale' })
      else if (error.code === 'ENOENT' || error.code === 'ECONNRESET' || error.code === 'EPIPE')
        settle({ kind: 'gone' })
      // EAGAIN: the holder's queue of connections is full, so it is there.
      else settle({ kind: 'holder', pid: undefined, state: 'running' })
    })
  })
}

/** Listens on `address`, or says it is taken. */
function listen(address: string, answer: () => string): Promise<net.Server | 'taken'> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined)
      socket.end(answer())
    })
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('taken')
      else reject(error)
    })
    server.listen(address, () => {
      server.removeAllListeners('error')
      // A failed connection later must not end the process; the lock stays held.
      server.on('error', () => undefined)
      // The lock must not keep the process alive by itself.
      server.unref()
      resolve(server)
    })
  })
}

/** A folder only this user can use, for the sockets. */
async function privateRuntimeDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await lstat(dir)
  const uid = process.getuid?.()
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid))
    throw new Error(`The lock folder ${dir} is not a folder of this user account. Remove it, then start again.`)
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700)
  return dir
}

const userKey = (): string => String(process.getuid?.() ?? os.userInfo().username)

/** The socket or pipe that is the lock of `dataDir` (already resolved to its real path). */
async function lockAddress(realDir: string, fileName: string, runtimeDir: string | undefined): Promise<string> {
  const key = process.platform === 'win32' ? realDir.toLowerCase() : realDir
  const hash = createHash('sha256').update(`${key}\0${fileName}`).digest('hex').slice(0, 24)
  if (process.platform === 'win32') return `\\\\.\\pipe\\restore-desk-${hash}`
  // Linux: the abstract namespace (a leading NUL). The kernel drops the name with its holder.
  if (runtimeDir === undefined && process.platform === 'linux') return `\0restore-desk-${userKey()}-${hash}`
  const dir = runtimeDir ?? path.join('/tmp', `restore-desk-${userKey()}`)
  if (Buffer.byteLength(dir) + 40 > MAX_SOCKET_PATH)
    throw new Error(`The lock folder ${dir} is too long a path for a socket; choose a shorter one.`)
  return path.join(await privateRuntimeDir(dir), `${hash}.sock`)
}

/**
 * Replaces a socket file nobody listens on. Only the process holding the guard folder may
 * remove the file, and only after asking again, so a live holder's socket is never removed.
 */
async function takeOverStale(address: string, answer: () => string): Promise<net.Server | 'taken' | 'retry'> {
  const guard = `${address}.takeover`
  try {
    await mkdir(guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const info = await stat(guard).catch(() => undefined)
    if (info && Date.now() - info.mtimeMs > GUARD_STALE_MS) await rm(guard, { recursive: true, force: true })
    else await sleep(20)
    return 'retry'
  }
  try {
    if ((await probe(address)).kind !== 'stale') return 'retry'
    await rm(address, { force: true })
    return await listen(address, answer)
  } finally {
    await rm(guard, { recursive: true, force: true })
  }
}

/**
 * Takes the lock of `dataDir` (which must exist). Throws the `busy` error when a running
 * process holds it, and waits up to `waitMs` for a holder that is shutting down.
 */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const fileName = options.fileName ?? 'platform.lock'
  const waitMs = options.waitMs ?? 5000
  const address = await lockAddress(await realpath(dataDir), fileName, options.runtimeDir)
  let state: 'running' | 'exiting' = 'running'
  const answer = (): string => `${JSON.stringify({ pid: process.pid, state })}\n`
  const deadline = Date.now() + waitMs
  const file = path.join(dataDir, fileName)

  for (let retries = 0; ;) {
    const listening = await listen(address, answer)
    if (listening !== 'taken') return holding(listening, file, address, (next) => (state = next))
    const found = await probe(address)
    if (found.kind === 'holder') {
      if (found.state === 'running') throw (options.busy ?? platformBusy)(dataDir, found.pid)
      if (Date.now() >= deadline) throw (options.stillExiting ?? platformStillExiting)(dataDir, found.pid, waitMs)
      await sleep(50)
      continue
    }
    // Only a file-system socket can be left behind; an abstract name or a pipe dies with its holder.
    if (found.kind === 'stale' && process.platform !== 'win32' && !address.startsWith('\0')) {
      const taken = await takeOverStale(address, answer)
      if (taken !== 'retry' && taken !== 'taken') return holding(taken, file, address, (next) => (state = next))
    }
    // The holder just died or another start just took over: look again, a bounded number of times.
    retries += 1
    if (retries >= 200)
      throw new Error(
        `Could not take the lock of ${dataDir} (${address.replace('\0', '@')}): it kept changing hands. Check that no other copy is starting, then try again.`,
      )
    await sleep(retries < 10 ? 5 : 25)
  }
}

async function holding(
  server: net.Server,
  file: string,
  address: string,
  setState: (state: 'running' | 'exiting') => void,
): Promise<DataDirLock> {
  try {
    await writeFileAtomic(file, `${process.pid}\n`, { mode: 0o600 })
  } catch (error) {
    await new Promise((resolve) => server.close(resolve))
    throw error
  }
  let released: Promise<void> | undefined
  return {
    file,
    address,
    markExiting: () => setState('exiting'),
    release() {
      released ??= (async () => {
        setState('exiting')
        const owner = await readFile(file, 'utf8').catch(() => '')
        if (owner.trim() === String(process.pid)) await rm(file, { force: true })
        // Closing removes the socket file too; nothing else may, since a new holder may own it next.
        await new Promise((resolve) => server.close(resolve))
      })()
      return released
    },
  }
}
