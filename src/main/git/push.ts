/**
 * Pushing dev's new commit (a revert, a roll back, a reset, its undo) to the remote's master
 * with a lease, as `git push --force-with-lease=master:<expected>` does: the push reads the
 * master the remote advertises and refuses before sending anything when it is not the commit
 * the person looked at. If the remote moves between that advertisement and the upload,
 * receive-pack itself refuses, because the old id sent with the update is the advertised one;
 * that refusal is a lease failure too. Only after the remote accepted is anything moved in the
 * clone: `refs/remotes/origin/master`, and the local master when it exists.
 *
 * The protocol is receive-pack.ts's rather than isomorphic-git's `push` (its header says why:
 * 2.4-5.3 s a push on the benchmark repository, and every pack loaded into memory).
 */
import type { GitProgress } from '../../shared/history'
import { systemErrorCode, systemErrorText } from '../errors'
import { readRef, writeRef } from './backup-refs'
import type { CommitStore } from './commit-store'
import { GitError } from './git-error'
import { buildPack, objectsToSend, sendUpdate, ZERO_OID } from './receive-pack'
import { ancestry } from './standing'
import { authHeaders, checkHttpRemote, countingHttp, displayUrl } from './transport'
import { discoverRefs } from './upload-pack'

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
  /** The repository's commits (the history's store: its ancestries are cached). */
  readonly store: CommitStore
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

function pushFailure(error: unknown, options: LeasePush): unknown {
  const code = (error as { code?: unknown } | null)?.code
  const where = displayUrl(options.url)
  if (options.signal.aborted || (error instanceof GitError && error.code === 'git_cancelled'))
    return new GitError('git_cancelled', 'The push was stopped. Refresh to see whether dev moved before it stopped.', {
      cause: error,
    })
  if (error instanceof GitError) return error
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
  const { url, signal, store } = options
  checkHttpRemote(url)
  const progress = (phase: string, loaded: number, total: number | null): void =>
    options.onProgress?.({ phase, loaded, total, bytes: 0 })
  const http = countingHttp(signal).http
  const headers = authHeaders(options.token)
  try {
    progress('Connecting', 0, null)
    const advertised = await discoverRefs(http, url, headers, 'git-receive-pack')
    const master = advertised.refs.find((ref) => ref.name === MASTER)?.oid ?? null
    if (master !== options.expected) throw leaseError(options, master)
    // What a plain push checks: the new commit must build on the remote's master.
    if (!options.force && !(await ancestry(store, options.oid, signal)).has(options.expected))
      throw new GitError(
        'git_lease',
        `The new commit does not build on dev’s commit ${short(options.expected)}: ${DEFAULT_ADVICE}`,
      )
    const onRemote = await ancestry(store, options.expected, signal)
    const others = new Set(advertised.refs.map((ref) => ref.oid))
    const objects = await objectsToSend(store, options.oid, (oid) => onRemote.has(oid) || others.has(oid), signal)
    progress('Writing objects', 0, objects.length)
    const pack = await buildPack(store, objects, signal)
    const report = await sendUpdate(
      http,
      url,
      headers,
      advertised.capabilities,
      { old: master ?? ZERO_OID, new: options.oid, ref: MASTER },
      pack,
    )
    progress('Writing objects', objects.length, objects.length)
    const words = [
      ...report.messages.map((line) => line.trim()),
      ...[...report.refs.values()].filter((r) => r !== null),
    ]
      .join(' ')
      .trim()
    if (report.unpack !== 'ok')
      throw new GitError(
        'git_push_refused',
        `The platform could not take the push to dev (${report.unpack}${words ? `; ${words}` : ''}). Nothing was changed on dev.`,
      )
    if (!report.refs.has(MASTER) || report.refs.get(MASTER) !== null) {
      // receive-pack's answer when the old id sent no longer holds: the remote moved meanwhile.
      if (/failed to (update|lock) ref|cannot lock ref|stale info/i.test(words)) throw leaseError(options, undefined)
      throw new GitError(
        'git_push_refused',
        `The platform refused the push to dev: ${words || 'no reason given'}. Nothing was changed on dev.`,
      )
    }
  } catch (error) {
    throw pushFailure(error, options)
  }
  await writeRef(options.gitdir, TRACKING_MASTER, options.oid)
  if ((await readRef(options.gitdir, MASTER)) !== null) await writeRef(options.gitdir, MASTER, options.oid)
}
