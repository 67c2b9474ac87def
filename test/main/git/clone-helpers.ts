/**
 * Helpers for the git worker, clone and history service tests: native git for making and
 * reading repositories (what the app's results are checked against), a remote served by
 * `git http-backend` behind Basic auth, and a server that accepts a clone and never answers.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** Environment for native git: no user config, fixed identity. */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ana Tester',
  GIT_AUTHOR_EMAIL: 'ana@example.com',
  GIT_COMMITTER_NAME: 'Ana Tester',
  GIT_COMMITTER_EMAIL: 'ana@example.com',
  GIT_TERMINAL_PROMPT: '0',
}

/** Runs native git in `cwd`; resolves with its trimmed stdout. */
export async function gitIn(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<string> {
  const child = exec('git', [...args], { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 256 * 1024 * 1024 })
  if (input !== undefined) child.child.stdin?.end(input)
  const { stdout } = await child
  return stdout.trim()
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `rd-git-${label}-`))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** The names in a folder (an absent folder has none). */
export async function namesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}

/**
 * A working repository with `count` commits on master (file `notes.txt` grows, every third
 * commit adds a file), commit times one minute apart from a fixed date.
 */
export async function makeRepo(dir: string, count: number): Promise<string[]> {
  await gitIn(dir, ['init', '-q', '-b', 'master'])
  const oids: string[] = []
  for (let i = 1; i <= count; i += 1) {
    const date = `${1_700_000_000 + i * 60} +0000`
    await exec('sh', ['-c', `printf 'line ${i}\\n' >> notes.txt`], { cwd: dir })
    if (i % 3 === 0) await exec('sh', ['-c', `printf 'file ${i}\\n' > file-${i}.txt`], { cwd: dir })
    await gitIn(dir, ['add', '-A'])
    await gitIn(dir, ['commit', '-q', '-m', `Commit number ${i}\n\nBody of commit ${i}.`], {
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    })
    oids.push(await gitIn(dir, ['rev-parse', 'HEAD']))
  }
  return oids
}

/** A git remote over smart HTTP: `git http-backend` for a folder of bare repositories, Basic auth with `token`. */
export interface GitHttpServer {
  readonly url: (name: string) => string
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[]
  close(): Promise<void>
}

export async function serveGitHttp(root: string, token: string): Promise<GitHttpServer> {
  const requests: string[] = []
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    requests.push(`${req.method} ${url.pathname}`)
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const password = auth ? Buffer.from(auth, 'base64').toString('utf8').split(':').slice(1).join(':') : null
    if (password !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end('no')
      return
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: 'test',
      },
    })
    req.pipe(child.stdin)
    let head = Buffer.alloc(0)
    let headDone = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (headDone) {
        res.write(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      headDone = true
      let status = 200
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const [name, ...rest] = line.split(':')
        const value = rest.join(':').trim()
        if (name?.toLowerCase() === 'status') status = Number.parseInt(value, 10)
        else if (name) res.setHeader(name, value)
      }
      res.writeHead(status)
      res.write(head.subarray(end + 4))
    })
    child.stdout.on('end', () => res.end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A server that takes every request and never answers (a clone that hangs on the network). */
export async function serveNothing(): Promise<{
  readonly url: string
  readonly hits: () => number
  close(): Promise<void>
}> {
  let hits = 0
  const server = http.createServer(() => {
    hits += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/stalled.git`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
