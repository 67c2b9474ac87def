/**
 * The push half of git's smart HTTP protocol (v0/v1, gitprotocol-pack) for one ref: which
 * objects the remote lacks, the pack that carries them, the update command and the remote's
 * report. Hand-written, like the fetch half (upload-pack.ts, whose pkt-line reader it shares),
 * because isomorphic-git's `push` reads every object through its `readObject`, which loads each
 * whole pack into memory and stats loose files and lists the pack folder per object, and walks
 * the full trees of the merge base and the remote's HEAD to know what to leave out: on the
 * 20,000-commit benchmark repository each push took 2.4-5.3 s, where this takes a few hundred
 * milliseconds, most of it `git http-backend`'s.
 *
 * What to send is what `git push` sends: the commits from the new tip back to those the remote
 * has (the ancestry of its advertised master, and any other advertised id), and of their trees
 * every tree and blob that the boundary commits' trees do not hold. Objects go whole (no
 * deltas): a revert's pack is its new commit, a few trees and the merged files.
 */
import { createHash } from 'node:crypto'
import zlib from 'node:zlib'
import type { HttpClient } from 'isomorphic-git'
import type { CommitStore } from './commit-store'
import { GitError } from './git-error'
import { parseTree, type ObjectType } from './objects'
import { isSubmoduleMode, isTreeMode } from './tree-diff'
import { FLUSH, HttpStatusError, only, pkt, PktReader, protocolError } from './upload-pack'

export const ZERO_OID = '0000000000000000000000000000000000000000'
const CHECK_EVERY = 256
const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 }

function stopped(): GitError {
  return new GitError('git_cancelled', 'The push was stopped before it reached the remote; dev did not move.')
}

/** Every tree and blob under `tree` into `into` (folders already there are not read again). */
async function collectTree(store: CommitStore, tree: string, into: Set<string>, skip: ReadonlySet<string>) {
  if (into.has(tree) || skip.has(tree)) return
  into.add(tree)
  const object = await store.reader.read(tree)
  for (const entry of parseTree(object.data)) {
    if (isTreeMode(entry.mode)) await collectTree(store, entry.oid, into, skip)
    else if (!isSubmoduleMode(entry.mode) && !skip.has(entry.oid)) into.add(entry.oid)
  }
}

/**
 * The objects `tip` needs that a remote holding `has` (commits, and the ancestry of each) lacks:
 * new commits first, then their trees and blobs not in the boundary commits' trees.
 */
export async function objectsToSend(
  store: CommitStore,
  tip: string,
  has: (commit: string) => boolean,
  signal: AbortSignal,
): Promise<string[]> {
  const commits: string[] = []
  const boundary = new Set<string>()
  const seen = new Set<string>()
  const stack = [tip]
  while (stack.length > 0) {
    const oid = stack.pop() as string
    if (seen.has(oid)) continue
    seen.add(oid)
    if (has(oid)) {
      boundary.add(oid)
      continue
    }
    if (seen.size % CHECK_EVERY === 0 && signal.aborted) throw stopped()
    commits.push(oid)
    stack.push(...(await store.get(oid)).parents)
  }
  if (commits.length === 0) return []
  const known = new Set<string>()
  for (const oid of boundary) await collectTree(store, (await store.get(oid)).tree, known, new Set())
  const trees = new Set<string>()
  for (const oid of commits) {
    if (signal.aborted) throw stopped()
    await collectTree(store, (await store.get(oid)).tree, trees, known)
  }
  return [...commits, ...trees]
}

/** A pack (version 2) of whole objects, as `git pack-objects` would write them without deltas. */
export async function buildPack(store: CommitStore, oids: readonly string[], signal: AbortSignal): Promise<Buffer> {
  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'latin1')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(oids.length, 8)
  const parts: Buffer[] = [header]
  for (const oid of oids) {
    if (signal.aborted) throw stopped()
    const object = await store.reader.read(oid)
    let size = object.data.length
    const head: number[] = [(TYPE_CODES[object.type] << 4) | (size & 0x0f)]
    size = Math.floor(size / 16)
    while (size > 0) {
      head[head.length - 1] = (head[head.length - 1] as number) | 0x80
      head.push(size & 0x7f)
      size = Math.floor(size / 128)
    }
    parts.push(Buffer.from(head), zlib.deflateSync(object.data))
  }
  const body = Buffer.concat(parts)
  return Buffer.concat([body, createHash('sha1').update(body).digest()])
}

/** The remote's answer: `unpack` ("ok" or its error), each ref's status (null: ok), and what its hooks printed. */
export interface ReceiveReport {
  readonly unpack: string
  readonly refs: ReadonlyMap<string, string | null>
  readonly messages: readonly string[]
}

async function parseReport(
  body: AsyncIterable<Uint8Array>,
): Promise<{ unpack: string; refs: Map<string, string | null> }> {
  const reader = new PktReader(body)
  let unpack: string | null = null
  const refs = new Map<string, string | null>()
  for (let packet = await reader.next(); packet; packet = await reader.next()) {
    const line = packet.toString('utf8').replace(/\n$/, '')
    if (line.startsWith('unpack ')) unpack = line.slice('unpack '.length)
    else if (line.startsWith('ok ')) refs.set(line.slice(3), null)
    else if (line.startsWith('ng ')) {
      const rest = line.slice(3)
      const space = rest.indexOf(' ')
      refs.set(space === -1 ? rest : rest.slice(0, space), space === -1 ? 'refused' : rest.slice(space + 1))
    }
  }
  while ((await reader.next()) !== undefined);
  if (unpack === null) throw protocolError('no report of the push')
  return { unpack, refs }
}

/**
 * Sends one update (`old` -> `new` on `ref`) with its pack and reads the report. `old` is the id
 * the remote advertised: receive-pack refuses the update if the ref holds anything else by then.
 */
export async function sendUpdate(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  capabilities: ReadonlySet<string>,
  update: { readonly old: string; readonly new: string; readonly ref: string },
  pack: Buffer,
): Promise<ReceiveReport> {
  if (!capabilities.has('report-status')) throw protocolError('the remote does not report what a push did')
  const sideBand = capabilities.has('side-band-64k')
  const wanted = ['report-status', ...(sideBand ? ['side-band-64k'] : []), 'agent=git/restore-desk']
  const request = Buffer.concat([pkt(`${update.old} ${update.new} ${update.ref}\0${wanted.join(' ')}`), FLUSH, pack])
  const response = await http.request({
    url: `${url}/git-receive-pack`,
    method: 'POST',
    headers: {
      ...headers,
      'User-Agent': 'git/restore-desk',
      'Content-Type': 'application/x-git-receive-pack-request',
      Accept: 'application/x-git-receive-pack-result',
    },
    body: only(request),
  })
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode)
  const body = response.body ?? only(Buffer.alloc(0))
  if (!sideBand) return { ...(await parseReport(body)), messages: [] }
  const reader = new PktReader(body)
  const report: Buffer[] = []
  const messages: string[] = []
  for (let packet = await reader.next(); packet; packet = await reader.next()) {
    const band = packet[0]
    const data = packet.subarray(1)
    if (band === 1) report.push(Buffer.from(data))
    else if (band === 2) messages.push(...data.toString('utf8').split(/\r?\n|\r/))
    else if (band === 3)
      throw new GitError(
        'git_push_refused',
        `The platform stopped the push: ${data.toString('utf8').trim()}. Dev did not move.`,
      )
    else throw protocolError('a side-band packet has no band')
  }
  // Read to the end, so the response (its socket, the signal's listener) is let go of now.
  while ((await reader.next()) !== undefined);
  return {
    ...(await parseReport(only(Buffer.concat(report)))),
    messages: messages.filter((line) => line.trim() !== ''),
  }
}
