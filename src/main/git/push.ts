/**
 * Pushing dev's new commit (a revert, a roll back, a reset, its undo) to the remote's master
 * with a lease: isomorphic-git's `push`, whose `onPrePush` sees the master the remote advertises
 * and refuses (before any object is sent) when it is not the commit the person looked at, as
 * `git push --force-with-lease=master:<expected>` does. If the remote moves between that
 * advertisement and the upload, receive-pack itself refuses, because the old id sent with the
 * update is the advertised one; that refusal is a lease failure too. Only after the remote
 * accepted is anything moved in the clone: the library then writes `refs/remotes/origin/master`,
 * and the clone's local master follows when it exists.
 */
import fs from 'node:fs'
import git from 'isomorphic-git'
import type { GitProgress } from '../../shared/history'
import { systemErrorCode, systemErrorText } from '../errors'
import { readRef, writeRef } from './backup-refs'
import { GitError } from './git-error'
import { authHeaders, checkHttpRemote, countingHttp, displayUrl, ProgressThrottle } from './transport'

export const MASTER = 'refs/heads/master'
export const TRACKING_MASTER = 'refs/remotes/origin/master'

export interface LeasePush {
  readonly gitdir: string
  readonly url: string
  readonly token: string
  /** The commit master is to name. */
  readonly oid: string
  /** Where the remote's master must be now (the lease). */
  readonly expected: string
  /** A reset and its undo rewrite history; a revert only adds to it. */
  readonly force: boolean
  readonly signal: AbortSignal
  /** isomorphic-git's cache of the repository's session. */
  readonly cache: object
  readonly onProgress?: (progress: GitProgress) => void
  /** What the lease error says after "Dev moved since you looked (someone pushed)". */
  readonly leaseAdvice?: string
}

const DEFAULT_ADVICE = 'refresh and look again. Nothing was changed.'

function short(oid: string): string {
  return oid.slice(0, 10)
}

/** `found`: the master the remote advertised (null: none), or undefined when it moved during the push. */
function leaseError(options: LeasePush, found: string | null | undefined): GitError {
  const where =
    found === undefined
      ? 'dev moved while the push was on its way'
      : found === null
        ? 'dev has no master on the remote'
        : `dev is at ${short(found)} now`
  return new GitError(
    'git_lease',
    `Dev moved since you looked (someone pushed): you looked at ${short(options.expected)}, ${where}; ${options.leaseAdvice ?? DEFAULT_ADVICE}`,
  )
}

/** The remote's words for refused refs: the status of each ref and what its hooks printed. */
function refusalWords(error: unknown, messages: readonly string[]): string {
  const refs = (error as { data?: { result?: { refs?: Record<string, { ok: boolean; error?: string }> } } }).data
    ?.result?.refs
  const reasons = Object.values(refs ?? {})
    .filter((ref) => !ref.ok && ref.error)
    .map((ref) => ref.error as string)
  const said = messages.map((line) => line.trim()).filter((line) => line !== '')
  return [...said, ...reasons].join(' ').trim() || 'no reason given'
}

function pushFailure(error: unknown, options: LeasePush, messages: readonly string[]): unknown {
  const code = (error as { code?: unknown } | null)?.code
  const where = displayUrl(options.url)
  if (options.signal.aborted || (error instanceof GitError && error.code === 'git_cancelled'))
    return new GitError('git_cancelled', 'The push was stopped. Refresh to see whether dev moved before it stopped.', {
      cause: error,
    })
  if (error instanceof GitError) return error
  if (code === 'GitPushError') {
    const words = refusalWords(error, messages)
    // receive-pack's answer when the old id sent no longer holds: the remote moved meanwhile.
    if (/failed to (update|lock) ref|cannot lock ref|stale info/i.test(words)) return leaseError(options, undefined)
    return new GitError(
      'git_push_refused',
      `The platform refused the push to dev: ${words}. Nothing was changed on dev.`,
      { cause: error },
    )
  }
  if (code === 'PushRejectedError')
    return new GitError(
      'git_lease',
      `Dev moved since you looked (its master is no longer behind the new commit): ${DEFAULT_ADVICE}`,
      { cause: error },
    )
  if (code === 'HttpError') {
    const status = Number((error as { data?: { statusCode?: unknown } }).data?.statusCode)
    if (status === 401 || status === 403)
      return new GitError(
        'git_auth',
        `The platform refused the machine token for the push (HTTP ${status} from ${where}). Add the connection again with a valid machine token; nothing was changed on dev.`,
        { cause: error },
      )
    return new GitError(
      'git_remote',
      `The push failed: the git server at ${where} answered HTTP ${Number.isFinite(status) ? status : 'with an error'}. Nothing was changed on dev; try again in a moment.`,
      { cause: error },
    )
  }
  if (code === 'SmartHttpError' || code === 'EmptyServerResponseError' || code === 'ParseError')
    return new GitError(
      'git_remote',
      `The push failed: ${where} did not answer as a git server does. Check the connection, then refresh and try again.`,
      { cause: error },
    )
  const system = systemErrorCode(error)
  if (system !== undefined && systemErrorText(system).code === 'network')
    return new GitError(
      'git_remote',
      `The push failed: ${systemErrorText(system).what} (${where}). Check that the platform is running, then refresh and try again.`,
      { cause: error },
    )
  return error
}

/** Pushes `oid` to the remote's master if the remote's master is `expected`; then moves the clone's refs. */
export async function pushWithLease(options: LeasePush): Promise<void> {
  checkHttpRemote(options.url)
  const throttle = new ProgressThrottle(options.onProgress ?? (() => undefined))
  const transport = countingHttp(options.signal, (bytes) => throttle.bytes(bytes))
  const messages: string[] = []
  let advertised: string | null | undefined
  try {
    await git.push({
      fs,
      http: transport.http,
      gitdir: options.gitdir,
      url: options.url,
      // A raw id: the library pushes it without a local ref naming it, so nothing local moves first.
      ref: options.oid,
      remoteRef: MASTER,
      force: options.force,
      headers: authHeaders(options.token),
      cache: options.cache,
      onPrePush: ({ remoteRef }) => {
        advertised = /^0+$/.test(remoteRef.oid) ? null : remoteRef.oid
        return advertised === options.expected
      },
      onMessage: (line) => void messages.push(line),
      onProgress: (event) => throttle.progress(event),
    })
  } catch (error) {
    if (advertised !== undefined && advertised !== options.expected) throw leaseError(options, advertised)
    // The library hands the remote's side-band lines to onMessage without awaiting them.
    await new Promise((resolve) => setImmediate(resolve))
    throw pushFailure(error, options, messages)
  }
  throttle.flush()
  // The library wrote the remote-tracking ref in place; write it again through a lock and a rename.
  await writeRef(options.gitdir, TRACKING_MASTER, options.oid)
  if ((await readRef(options.gitdir, MASTER)) !== null) await writeRef(options.gitdir, MASTER, options.oid)
}
