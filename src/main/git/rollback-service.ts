/**
 * The ways back for a commit chosen in the code history, as the handlers see them: previews of a
 * revert, a roll back and a reset of dev, the moves themselves, and the undo of a reset. The git
 * work runs in the worker (rollback operations, on the history's own repository: nothing is
 * cloned twice); this service decides what the app may do on this connection, asks the platform
 * who the commit is by and whether dev is busy, and follows the `sync_code` workflow a push starts.
 *
 * - Every preview fetches first, so `head` is the remote's master now; a move is then made on that
 *   head with a lease, and refused (`git_lease`) when someone pushed since.
 * - The app pushes only from its own clone over HTTP. On a local clone (Pantheon's git is SSH-only)
 *   a revert is made in the clone's checked-out branch and the person pushes it from a terminal
 *   (the result has no workflow, and the history's status says the app cannot push); a reset,
 *   which needs a force push, is refused with the commands to run instead.
 * - A reset and its undo need the typed confirmation "dev"; a busy dev (a restore, import, clone
 *   or deploy running on it: the restores' rule) refuses every move with its reason.
 */
import fs from 'node:fs'
import git from 'isomorphic-git'
import type { RepoSource, RepoStatus } from '../../shared/history'
import type { Workflow } from '../../shared/platform-types'
import type { CodeMoveResult, ResetPreview, ResetUndo, RevertMode, RevertPreview } from '../../shared/rollback'
import type { PlatformClient } from '../api/client'
import { findSyncCode, type FindSyncCodeOptions } from '../deploys/sync-code'
import { AppError, toErrorShape } from '../errors'
import type { WorkflowTracker } from '../workflows/tracker'
import { GitError } from './git-error'
import type { HistoryService } from './history-service'
import type { GitWorkerHost } from './worker-host'
import type { CommitAuthor, HistoryView, MoveResult, RemoteArgs } from './worker-protocol'

/** The active connection as the roll back needs it. */
export interface RollbackConnection {
  readonly connectionId: string
  readonly kind: 'embedded' | 'pantheon' | 'remote-embedded'
  readonly client: Pick<PlatformClient, 'getConnectionInfo' | 'currentUser' | 'listWorkflows' | 'getWorkflow'>
  /** The machine token, git's Basic auth password. */
  token(): Promise<string>
}

export interface RollbackServiceOptions {
  readonly worker: Pick<GitWorkerHost, 'run'>
  readonly history: Pick<HistoryService, 'open' | 'repository' | 'moved'>
  readonly workflows: Pick<WorkflowTracker, 'track'>
  readonly active: () => Promise<RollbackConnection>
  /** Why an environment is busy (a workflow or job that changes it runs there), or null. */
  readonly busyReason: (siteId: string, env: string) => Promise<string | null>
  /** Where dev's branch is in the repository (tests hand in their own); default {@link readHead}. */
  readonly readHead?: (gitdir: string, source: RepoSource | null) => Promise<string>
  readonly syncCode?: FindSyncCodeOptions
  readonly now?: () => number
  readonly log?: (line: string) => void
}

export const LEASE_MESSAGE = 'Dev moved since you looked: someone pushed. Refresh and look again.'

const shortId = (oid: string): string => oid.slice(0, 7)

/** The commands that do a reset from a terminal, for a connection the app cannot force-push on. */
function terminalReset(oid: string): string {
  return `reset from a terminal: \`git reset --hard ${oid}\` then \`git push --force-with-lease origin master\``
}

/** Why the app cannot push on this repository, or null when it can. */
function pushBlocker(connection: RollbackConnection, status: RepoStatus, oid: string): string | null {
  if (connection.kind === 'pantheon') return `Pantheon’s git is SSH-only: ${terminalReset(oid)}.`
  if (status.source !== 'app-clone' || !status.canPush)
    return `The app pushes only from its own clone of the site, and this history reads a local clone: ${terminalReset(oid)}.`
  return null
}

/**
 * Dev's commit in the repository: the remote's master as last fetched in the app's clone, the
 * checked-out branch in a local clone (what a revert there is made on). A ref read, not a walk.
 */
export async function readHead(gitdir: string, source: RepoSource | null): Promise<string> {
  const ref = source === 'app-clone' ? 'refs/remotes/origin/master' : 'HEAD'
  try {
    return await git.resolveRef({ fs, gitdir, ref })
  } catch (error) {
    throw new GitError(
      'git_no_repository',
      source === 'app-clone'
        ? 'The site’s repository has no master branch, so dev has no commit to move. Push a master branch, then refresh the history.'
        : 'The local clone has no commit checked out (its HEAD names no commit). Check out a branch in it, then refresh the history.',
      { cause: error },
    )
  }
}

/** Who a new commit is by: the platform user's full name (else their e-mail's local part). */
export function commitAuthor(user: { readonly id: string; readonly email: string; readonly fullName: string | null }) {
  const email = user.email.trim()
  const name = user.fullName?.trim() || email.split('@')[0]?.trim() || user.id
  return { name, email } satisfies CommitAuthor
}

/** A preview's blocked reason, in order: what the worker found, a busy dev, a conflict, nothing to do. */
function revertBlocked(preview: RevertPreview, busy: string | null): string | null {
  if (preview.blocked) return preview.blocked
  if (busy) return busy
  const what = preview.mode === 'revert' ? 'The revert' : 'The roll back'
  if (preview.conflicts.length > 0) {
    const files = preview.conflicts.map((conflict) => conflict.path).join(', ')
    const count = preview.conflicts.length === 1 ? 'a file that dev' : `${preview.conflicts.length} files that dev`
    return `${what} conflicts with ${count} changed since (${files}), so it cannot be made here: nothing was changed. Resolve it in a terminal with git revert, or roll back instead.`
  }
  if (preview.empty)
    return preview.mode === 'revert'
      ? `Dev already has this commit’s changes undone: a revert would change nothing.`
      : `Dev’s files are already those of ${shortId(preview.target.oid)}: a roll back would change nothing.`
  return null
}

function resetBlocked(
  preview: ResetPreview,
  connection: RollbackConnection,
  status: RepoStatus,
  busy: string | null,
): string | null {
  if (preview.blocked) return preview.blocked
  const oid = preview.target.oid
  const push = pushBlocker(connection, status, oid)
  if (push) return push
  if (preview.notAncestor)
    return `${shortId(oid)} is not in dev’s history, so a reset would jump to another line of commits. Choose a commit dev contains.`
  if (oid === preview.head || preview.discardedCount === 0)
    return `Dev is already at ${shortId(oid)}: nothing to reset.`
  return busy
}

/** The envs with dev standing on `oid`: where the push puts it once its sync_code has run. */
function withDevAt(view: HistoryView, oid: string): HistoryView {
  const others = view.envs.filter((env) => env.env !== 'dev')
  return { ...view, envs: [{ env: 'dev', oid, ref: 'refs/heads/master' }, ...others] }
}

/** The page's roll back requests. */
export class RollbackService {
  readonly #options: RollbackServiceOptions
  readonly #now: () => number
  readonly #readHead: (gitdir: string, source: RepoSource | null) => Promise<string>

  constructor(options: RollbackServiceOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#readHead = options.readHead ?? readHead
  }

  async revertPreview(siteId: string, oid: string, mode: RevertMode): Promise<RevertPreview> {
    const { view, head } = await this.#fetched(siteId)
    const [preview, busy] = await Promise.all([
      this.#options.worker.run('revertPreview', { ...view, oid, mode, head }),
      this.#options.busyReason(siteId, 'dev'),
    ])
    return { ...preview, blocked: revertBlocked(preview, busy) }
  }

  /** Makes the revert or roll back commit on `head` and pushes it to dev (a local clone: commits it there). */
  async revert(input: {
    readonly siteId: string
    readonly oid: string
    readonly mode: RevertMode
    readonly head: string
  }): Promise<CodeMoveResult> {
    const { connection, status, view } = await this.#current(input.siteId)
    await this.#refuseBusy(input.siteId)
    const remote = status.source === 'app-clone' && status.canPush ? await this.#remote(connection, input.siteId) : null
    const author = commitAuthor(await connection.client.currentUser())
    const since = this.#now()
    const moved = await this.#leased(
      this.#options.worker.run('revert', {
        ...view,
        remote,
        oid: input.oid,
        mode: input.mode,
        head: input.head,
        author,
      }),
      remote !== null,
    )
    return this.#finish(input.siteId, connection, view, moved, remote !== null, since)
  }

  async resetPreview(siteId: string, oid: string): Promise<ResetPreview> {
    const { connection, status, view, head } = await this.#fetched(siteId)
    const [preview, busy] = await Promise.all([
      this.#options.worker.run('resetPreview', { ...view, oid, head }),
      this.#options.busyReason(siteId, 'dev'),
    ])
    return { ...preview, blocked: resetBlocked(preview, connection, status, busy) }
  }

  /** Saves a backup ref of `head` and force-pushes dev to `oid` with a lease on `head`. */
  async reset(input: {
    readonly siteId: string
    readonly oid: string
    readonly head: string
    readonly confirm: string
  }): Promise<CodeMoveResult> {
    checkDevConfirmation(input.confirm, 'the reset')
    const { connection, status, view } = await this.#current(input.siteId)
    const push = pushBlocker(connection, status, input.oid)
    if (push) throw new AppError('bad_request', `${push} Nothing was changed.`)
    // The preview's checks again, on the head the page saw: an ancestor, something to discard.
    const preview = await this.#options.worker.run('resetPreview', { ...view, oid: input.oid, head: input.head })
    const blocked = resetBlocked(preview, connection, status, null)
    if (blocked) throw new AppError('bad_request', `${blocked} Nothing was changed.`)
    await this.#refuseBusy(input.siteId)
    const remote = await this.#remote(connection, input.siteId)
    const since = this.#now()
    const moved = await this.#leased(
      this.#options.worker.run('reset', { ...view, ...remote, oid: input.oid, head: input.head }),
    )
    return this.#finish(input.siteId, connection, view, moved, true, since)
  }

  /**
   * The newest reset of dev that can still be undone: its target is where the remote's master
   * stands (as last fetched). After someone pushed on top, the undo's lease would fail, so none.
   */
  async resetUndoInfo(siteId: string): Promise<ResetUndo | null> {
    let repository: Awaited<ReturnType<HistoryService['repository']>>
    try {
      repository = await this.#options.history.repository(siteId)
    } catch (error) {
      if (error instanceof GitError && error.code === 'git_no_repository') return null
      throw error
    }
    const { status, view } = repository
    // The app resets only from its own clone; a local clone's refs are the person's.
    if (status.source !== 'app-clone') return null
    const head = await this.#readHead(view.gitdir, status.source)
    const backups = await this.#options.worker.run('resetBackups', { gitdir: view.gitdir })
    const backup = backups.find((candidate) => candidate.resetTo === head)
    if (!backup) return null
    const detail = await this.#options.worker.run('commit', { ...view, oid: backup.savedHead })
    return { backupRef: backup.ref, restores: detail.commit, from: backup.resetTo, at: backup.at }
  }

  /** Puts dev back where a reset found it, with a lease on where the reset left it. */
  async undoReset(input: {
    readonly siteId: string
    readonly backupRef: string
    readonly confirm: string
  }): Promise<CodeMoveResult> {
    checkDevConfirmation(input.confirm, 'the undo of the reset')
    const { connection, status, view } = await this.#current(input.siteId)
    const backups = await this.#options.worker.run('resetBackups', { gitdir: view.gitdir })
    const backup = backups.find((candidate) => candidate.ref === input.backupRef)
    if (!backup)
      throw new AppError(
        'not_found',
        'That reset’s backup is no longer in the site’s clone (it was undone already). Refresh the history.',
      )
    const push = pushBlocker(connection, status, backup.savedHead)
    if (push) throw new AppError('bad_request', `${push} Nothing was changed.`)
    await this.#refuseBusy(input.siteId)
    const remote = await this.#remote(connection, input.siteId)
    const since = this.#now()
    const moved = await this.#leased(
      this.#options.worker.run('undoReset', { ...view, ...remote, backupRef: backup.ref }),
    )
    return this.#finish(input.siteId, connection, view, moved, true, since)
  }

  /** The site's repository after a fetch (a local clone is read as it is), with dev's commit in it. */
  async #fetched(siteId: string) {
    const overview = await this.#options.history.open(siteId, true)
    const repo = overview.repo
    if (repo.state === 'needs-local-clone')
      throw new GitError(
        'git_no_repository',
        `${repo.transportNote ?? 'The app has no clone of this site.'} Open a clone of the site in its code history first.`,
      )
    if (repo.state === 'failed' && repo.error)
      throw new AppError(
        repo.error.code,
        `Dev’s newest commits could not be fetched, so the preview would be out of date: ${repo.error.message}`,
      )
    const current = await this.#current(siteId)
    return { ...current, head: await this.#readHead(current.view.gitdir, current.status.source) }
  }

  async #current(siteId: string) {
    const connection = await this.#options.active()
    const { status, view } = await this.#options.history.repository(siteId)
    return { connection, status, view }
  }

  async #remote(connection: RollbackConnection, siteId: string): Promise<RemoteArgs> {
    const info = await connection.client.getConnectionInfo(siteId, 'dev')
    if (!info)
      throw new AppError(
        'bad_request',
        'This platform gives no git address for the site any more, so the app cannot push. Nothing was changed.',
      )
    return { url: info.gitUrl, token: await connection.token() }
  }

  async #refuseBusy(siteId: string): Promise<void> {
    const busy = await this.#options.busyReason(siteId, 'dev')
    if (busy) throw new AppError('busy', `${busy} Nothing was changed.`)
  }

  /**
   * The worker's move, with a push's lease refusal in the page's words. In a local clone (no
   * push) the worker's own words stay: there the branch moved by a commit or a checkout.
   */
  async #leased(move: Promise<MoveResult>, pushed = true): Promise<MoveResult> {
    try {
      return await move
    } catch (error) {
      if (pushed && error instanceof GitError && error.code === 'git_lease')
        throw new GitError('git_lease', LEASE_MESSAGE, { cause: error })
      throw error
    }
  }

  /**
   * After a move: the worker's session is dropped once (before anything reads it again: a drop
   * while a read runs would fail that read), the push's sync_code is followed, and the new
   * commit is told.
   */
  async #finish(
    siteId: string,
    connection: RollbackConnection,
    view: HistoryView,
    moved: MoveResult,
    pushed: boolean,
    since: number,
  ): Promise<CodeMoveResult> {
    const history = this.#options.history
    await history.moved(siteId)
    let workflow: Workflow | null = null
    if (pushed) {
      workflow = await findSyncCode(connection.client, siteId, moved.newHead, since, this.#options.syncCode).catch(
        (error: unknown) => {
          this.#options.log?.(`[rollback] could not list the workflows after the push: ${String(error)}`)
          return null
        },
      )
      // The page follows it through workflows:progress; when it ends only the platform's
      // positions changed (the clone already has the commit), so nothing here needs dropping.
      if (workflow) void this.#options.workflows.track(connection.client, workflow)
    }
    // Pushed, dev stands on the new commit once its sync_code has run: the row says so already.
    const decorated = pushed ? withDevAt(view, moved.newHead) : view
    const detail = await this.#options.worker.run('commit', { ...decorated, oid: moved.newHead }).catch((error) => {
      // The move is done: say so, rather than let it look as if nothing happened.
      const shape = toErrorShape(error)
      throw new AppError(
        shape.code,
        `Dev is now at ${shortId(moved.newHead)}, but the app could not read that commit afterwards (${shape.message}) Refresh the history.`,
        { cause: error },
      )
    })
    return {
      previousHead: moved.previousHead,
      newHead: moved.newHead,
      commit: detail.commit,
      workflow,
      backupRef: moved.backupRef,
    }
  }
}

/** A reset or its undo rewrites dev's history: the person types "dev" first. */
function checkDevConfirmation(typed: string, what: string): void {
  if (typed === 'dev') return
  throw new AppError(
    'confirm_mismatch',
    `Type dev to confirm ${what}: the name must match exactly. Nothing was changed.`,
  )
}
