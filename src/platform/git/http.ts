/**
 * Git's smart HTTP protocol, served by running `git http-backend` as a CGI program: git itself
 * speaks the protocol (clone, fetch, push, protocol v2, gzip bodies), this module only wires a
 * Node request to it and the CGI answer back. Authentication happens before this is called.
 * After a push the refs are compared with a snapshot taken before it, and the caller hears
 * once about what moved. The one format read by hand is the head of the CGI answer (header
 * lines up to a blank line, RFC 3875), for which Node has no reader.
 */
import { spawn } from 'node:child_process'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { drainedOrClosed } from '../../lib/streams'
import { gitEnv, runGit } from './run'

/** A ref a push created (oldSha null), moved, or deleted (newSha null). */
export interface RefUpdate {
  readonly ref: string
  readonly oldSha: string | null
  readonly newSha: string | null
}

export interface ServeGitHttpOptions {
  readonly repoDir: string
  /** The part of the URL after the repository, e.g. "/info/refs" or "/git-receive-pack". */
  readonly pathInfo: string
  readonly remoteUser: string
  readonly onRefsUpdated?: (updates: readonly RefUpdate[]) => void | Promise<void>
}

const ALLOWED_PATHS =
  /^\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/info\/(packs|alternates|http-alternates)|objects\/[0-9a-f]{2}\/[0-9a-f]{38,62}|objects\/pack\/pack-[0-9a-f]{40,64}\.(pack|idx))$/

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' })
  res.end(`${text}\n`)
}

async function snapshotRefs(repoDir: string): Promise<Map<string, string>> {
  // Raw object ids (not peeled) so that retagging to another tag object also counts as a move.
  const refs = new Map<string, string>()
  const out = await runGit(repoDir, ['for-each-ref', '--format=%(refname) %(objectname)'])
  for (const line of out.split('\n')) {
    const [ref, sha] = line.split(' ')
    if (ref && sha) refs.set(ref, sha)
  }
  return refs
}

function diffRefs(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = []
  for (const [ref, newSha] of after) {
    const oldSha = before.get(ref) ?? null
    if (oldSha !== newSha) updates.push({ ref, oldSha, newSha })
  }
  for (const [ref, oldSha] of before) if (!after.has(ref)) updates.push({ ref, oldSha, newSha: null })
  return updates.sort((a, b) => a.ref.localeCompare(b.ref))
}

/** Splits a CGI response head into status and headers; null until the blank line has arrived. */
function parseCgiHead(buffer: Buffer): { status: number; headers: Array<[string, string]>; bodyStart: number } | null {
  let end = buffer.indexOf('\r\n\r\n')
  let sepLength = 4
  const lfEnd = buffer.indexOf('\n\n')
  if (lfEnd >= 0 && (end < 0 || lfEnd < end)) {
    end = lfEnd
    sepLength = 2
  }
  if (end < 0) return null
  let status = 200
  const headers: Array<[string, string]> = []
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500
    else headers.push([name, value])
  }
  return { status, headers, bodyStart: end + sepLength }
}

/**
 * Serves one git smart-HTTP request for `repoDir` by running `git http-backend`; streams the
 * request body in and the response out. After a push, calls `onRefsUpdated` once with the refs
 * that changed, before the response ends (so a pushing client sees the consequences at once).
 */
export async function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  opts: ServeGitHttpOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (!ALLOWED_PATHS.test(opts.pathInfo)) {
    sendText(res, 404, `Not a git endpoint: ${opts.pathInfo}`)
    return
  }
  const method = req.method ?? 'GET'
  const isPush = method === 'POST' && opts.pathInfo === '/git-receive-pack'
  const before = isPush && opts.onRefsUpdated ? await snapshotRefs(opts.repoDir) : null

  const repoDir = path.resolve(opts.repoDir)
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: path.dirname(repoDir),
    PATH_INFO: `/${path.basename(repoDir)}${opts.pathInfo}`,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: method,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_USER: opts.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    GATEWAY_INTERFACE: 'CGI/1.1',
  }
  const contentType = req.headers['content-type']
  if (contentType) env.CONTENT_TYPE = contentType
  const contentLength = req.headers['content-length']
  if (contentLength) env.CONTENT_LENGTH = contentLength
  const encoding = req.headers['content-encoding']
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding
  const protocol = req.headers['git-protocol']
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol

  const child = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  const stderr: Buffer[] = []
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code) => resolve(code ?? -1))
    child.on('error', () => resolve(-1))
  })
  // A client that goes away must not leave git running.
  const onAbort = (): void => {
    if (child.exitCode === null) child.kill()
  }
  req.on('aborted', onAbort)
  req.on('error', onAbort)
  res.on('error', onAbort)
  res.on('close', () => {
    if (!res.writableFinished) onAbort()
  })
  child.stdin.on('error', () => {
    // git stops reading when it rejects a request; its answer on stdout says why.
  })
  req.pipe(child.stdin)

  let head: Buffer = Buffer.alloc(0)
  let headDone = false
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    if (headDone) {
      if (res.destroyed) continue // the client left; drain git's output so it can exit
      if (!res.write(chunk)) await drainedOrClosed(res)
      continue
    }
    head = Buffer.concat([head, chunk])
    const parsed = parseCgiHead(head)
    if (parsed === null) continue
    headDone = true
    res.statusCode = parsed.status
    for (const [name, value] of parsed.headers) res.appendHeader(name, value)
    const body = head.subarray(parsed.bodyStart)
    if (body.length > 0) res.write(body)
  }
  const code = await exited
  if (!headDone) {
    const reason = Buffer.concat(stderr).toString('utf8').trim() || `git http-backend exited with code ${code}`
    sendText(res, 500, `The git server failed: ${reason}`)
    return
  }
  if (before !== null && opts.onRefsUpdated) {
    const updates = diffRefs(before, await snapshotRefs(opts.repoDir))
    if (updates.length > 0) {
      try {
        await opts.onRefsUpdated(updates)
      } catch (error) {
        // The push itself succeeded; the git client has no channel left to report this on.
        console.error(`After a push to ${opts.repoDir}, handling the ref updates failed: ${(error as Error).message}`)
      }
    }
  }
  res.end()
}
