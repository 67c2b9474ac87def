/**
 * The roll back service over a fake git worker (a table of its operations), a fake history and a
 * fake platform client: previews fetch first and preview on the remote's master; what blocks a
 * preview (Pantheon, a local clone, a busy dev, a conflict, nothing to do); the typed "dev" for a
 * reset and its undo; the lease refusal in the page's words; the sync_code a push started found,
 * handed to the tracker and told in the result; the undo offered only while the reset's target is
 * still the remote's master.
 */
import { describe, expect, it, vi } from 'vitest'
import type { CommitDetail, HistoryCommit, HistoryOverview, RepoStatus } from '../../../src/shared/history'
import type { Workflow } from '../../../src/shared/platform-types'
import type { ResetPreview, RevertPreview } from '../../../src/shared/rollback'
import { GitError } from '../../../src/main/git/git-error'
import {
  commitAuthor,
  LEASE_MESSAGE,
  RollbackService,
  type RollbackConnection,
} from '../../../src/main/git/rollback-service'
import type { GitOpArgs, GitOpName, GitOpResult, HistoryView, ResetBackup } from '../../../src/main/git/worker-protocol'

const A = 'a'.repeat(40)
const HEAD = 'b'.repeat(40)
const NEW = 'c'.repeat(40)
const TEST = 'd'.repeat(40)
const SITE = 'site-1'
const VIEW: HistoryView = {
  gitdir: '/data/repos/embedded/site-1/.git',
  envs: [
    { env: 'dev', oid: HEAD, ref: 'refs/heads/master' },
    { env: 'test', oid: TEST, ref: 'refs/tags/pantheon_test_2' },
  ],
}

function row(oid: string, envsAt: string[] = []): HistoryCommit {
  return {
    oid,
    parents: [],
    subject: `commit ${oid.slice(0, 4)}`,
    authorName: 'Ana',
    authorEmail: 'ana@example.com',
    authoredAt: 1,
    committedAt: 1,
    envsAt,
    envsContaining: envsAt,
    tags: [],
  }
}

function status(patch: Partial<RepoStatus> = {}): RepoStatus {
  return {
    siteId: SITE,
    state: 'ready',
    source: 'app-clone',
    localPath: null,
    transportNote: null,
    canPush: true,
    fetchedAt: 1000,
    progress: null,
    error: null,
    ...patch,
  }
}

function revertPreview(patch: Partial<RevertPreview> = {}): RevertPreview {
  return {
    mode: 'revert',
    target: row(A),
    head: HEAD,
    message: `Revert "commit aaaa"\n\nThis reverts commit ${A}.\n`,
    files: [],
    totals: { files: 1, added: 0, removed: 2 },
    conflicts: [],
    empty: false,
    blocked: null,
    ...patch,
  }
}

function resetPreview(patch: Partial<ResetPreview> = {}): ResetPreview {
  return {
    target: row(A),
    head: HEAD,
    discardedCount: 2,
    discarded: [row(HEAD, ['dev']), row(NEW)],
    heldBy: [{ env: 'test', count: 1 }],
    notAncestor: false,
    blocked: null,
    ...patch,
  }
}

function workflow(patch: Partial<Workflow>): Workflow {
  return {
    id: 'wf',
    type: 'sync_code',
    siteId: SITE,
    environment: 'dev',
    params: {},
    description: 'Sync code on "dev"',
    activeDescription: 'Sync code on "dev"',
    phase: 'created',
    result: null,
    step: null,
    numberOfTasks: 1,
    createdAt: null,
    startedAt: null,
    finishedAt: null,
    messages: [],
    finished: false,
    succeeded: false,
    failureReason: null,
    ...patch,
  }
}

type Table = { [O in GitOpName]?: (args: GitOpArgs<O>) => GitOpResult<O> | Promise<GitOpResult<O>> }

interface Setup {
  readonly table?: Table
  readonly status?: RepoStatus
  readonly kind?: RollbackConnection['kind']
  readonly busy?: string | null
  readonly workflows?: (call: number) => Workflow[]
  readonly user?: { id: string; email: string; fullName: string | null }
}

function setup(options: Setup = {}) {
  let clock = 10_000
  const calls: { op: GitOpName; args: unknown }[] = []
  const table: Table = {
    revertPreview: () => revertPreview(),
    resetPreview: () => resetPreview(),
    revert: () => ({ previousHead: HEAD, newHead: NEW, backupRef: null }),
    reset: () => ({ previousHead: HEAD, newHead: A, backupRef: 'refs/restore-desk/reset-backups/20261202T031500Z' }),
    resetBackups: () => [],
    undoReset: () => ({ previousHead: A, newHead: HEAD, backupRef: null }),
    commit: (args): CommitDetail => ({
      commit: row(
        args.oid,
        args.envs.filter((env) => env.oid === args.oid).map((env) => env.env),
      ),
      message: 'm',
      committerName: 'Ana',
      committerEmail: 'ana@example.com',
      comparedWith: null,
      files: [],
      totals: { files: 0, added: 0, removed: 0 },
    }),
    ...options.table,
  }
  const worker = {
    run: vi.fn(async (op: GitOpName, args: unknown) => {
      calls.push({ op, args })
      const handler = table[op] as ((a: unknown) => unknown) | undefined
      if (!handler) throw new Error(`the fake worker has no ${op}`)
      return handler(args)
    }),
  }
  const repoStatus = options.status ?? status()
  const events: string[] = []
  const history = {
    open: vi.fn(async (_siteId: string, refresh?: boolean): Promise<HistoryOverview> => {
      events.push(`open refresh=${String(refresh)}`)
      return { repo: repoStatus, positions: [], gaps: [], totalCommits: 3 }
    }),
    repository: vi.fn(async () => ({ status: repoStatus, view: VIEW })),
    moved: vi.fn(async () => {
      events.push('moved')
    }),
  }
  let listCalls = 0
  const client = {
    getConnectionInfo: vi.fn(async () => ({ gitUrl: 'http://127.0.0.1:9/git/site-1.git', gitProtocol: 'http' })),
    currentUser: vi.fn(async () => options.user ?? { id: 'u1', email: 'ana@example.com', fullName: 'Ana Tester' }),
    listWorkflows: vi.fn(async () => options.workflows?.(listCalls++) ?? []),
    getWorkflow: vi.fn(),
  }
  const tracked: Workflow[] = []
  const workflows = {
    track: vi.fn(async (_source: unknown, w: Workflow) => {
      tracked.push(w)
      return w
    }),
  }
  const busyReason = vi.fn(async () => options.busy ?? null)
  const service = new RollbackService({
    worker: worker as never,
    history,
    workflows,
    busyReason,
    active: async () => ({
      connectionId: 'embedded',
      kind: options.kind ?? 'embedded',
      client,
      token: async () => 'secret-token',
    }),
    readHead: async () => {
      events.push('read head')
      return HEAD
    },
    now: () => clock,
    syncCode: {
      waitMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms
      },
    },
  })
  const argsOf = (op: GitOpName) => calls.filter((call) => call.op === op).map((call) => call.args)
  return { service, worker, history, client, workflows, tracked, busyReason, events, argsOf, calls }
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code: string }
  }
  throw new Error('it answered instead of failing')
}

describe('previews', () => {
  it('fetch first, then preview on the remote’s master', async () => {
    const { service, events, argsOf } = setup()
    const preview = await service.revertPreview(SITE, A, 'revert')
    expect(events.slice(0, 2)).toEqual(['open refresh=true', 'read head'])
    expect(argsOf('revertPreview')).toEqual([{ ...VIEW, oid: A, mode: 'revert', head: HEAD }])
    expect(preview.blocked).toBeNull()
    await service.resetPreview(SITE, A)
    expect(events.filter((e) => e.startsWith('open'))).toEqual(['open refresh=true', 'open refresh=true'])
    expect(argsOf('resetPreview')).toEqual([{ ...VIEW, oid: A, head: HEAD }])
  })

  it('a busy dev blocks both with its reason', async () => {
    const busy =
      'Restore code is running on dev since 02:00, started elsewhere. Wait until it has finished, then try again.'
    const { service, busyReason } = setup({ busy })
    expect((await service.revertPreview(SITE, A, 'roll-back')).blocked).toBe(busy)
    expect((await service.resetPreview(SITE, A)).blocked).toBe(busy)
    expect(busyReason).toHaveBeenCalledWith(SITE, 'dev')
  })

  it('a conflict blocks the revert with the files named; an empty one says there is nothing to do', async () => {
    const conflicted = setup({
      table: {
        revertPreview: () =>
          revertPreview({
            conflicts: [
              { path: 'web/index.php', reason: 'changed on both sides' },
              { path: 'logo.png', reason: 'binary file changed on both sides' },
            ],
          }),
      },
    })
    expect((await conflicted.service.revertPreview(SITE, A, 'revert')).blocked).toBe(
      'The revert conflicts with 2 files that dev changed since (web/index.php, logo.png), so it cannot be made here: nothing was changed. Resolve it in a terminal with git revert, or roll back instead.',
    )
    const empty = setup({ table: { revertPreview: () => revertPreview({ mode: 'roll-back', empty: true }) } })
    expect((await empty.service.revertPreview(SITE, A, 'roll-back')).blocked).toBe(
      'Dev’s files are already those of aaaaaaa: a roll back would change nothing.',
    )
  })

  it('on Pantheon a reset is blocked with the terminal commands; a revert in the local clone is not', async () => {
    const local = status({ source: 'local-clone', canPush: false, localPath: '/home/ana/site' })
    const { service } = setup({ kind: 'pantheon', status: local })
    expect((await service.resetPreview(SITE, A)).blocked).toBe(
      `Pantheon’s git is SSH-only: reset from a terminal: \`git reset --hard ${A}\` then \`git push --force-with-lease origin master\`.`,
    )
    expect((await service.revertPreview(SITE, A, 'revert')).blocked).toBeNull()
  })

  it('a local clone on the embedded platform blocks a reset too, and so does a commit outside dev’s history', async () => {
    const local = status({ source: 'local-clone', canPush: false, localPath: '/home/ana/site' })
    expect((await setup({ status: local }).service.resetPreview(SITE, A)).blocked).toMatch(
      /^The app pushes only from its own clone of the site, and this history reads a local clone: reset from a terminal: `git reset --hard a{40}`/,
    )
    const sideways = setup({ table: { resetPreview: () => resetPreview({ notAncestor: true, discardedCount: 0 }) } })
    expect((await sideways.service.resetPreview(SITE, A)).blocked).toBe(
      'aaaaaaa is not in dev’s history, so a reset would jump to another line of commits. Choose a commit dev contains.',
    )
  })

  it('a fetch that failed is said, rather than a preview of an old dev', async () => {
    const failed = status({ state: 'failed', error: { code: 'git_remote', message: 'The platform did not answer.' } })
    const error = await failure(setup({ status: failed }).service.revertPreview(SITE, A, 'revert'))
    expect(error.code).toBe('git_remote')
    expect(error.message).toBe(
      'Dev’s newest commits could not be fetched, so the preview would be out of date: The platform did not answer.',
    )
  })
})

describe('moves', () => {
  it('reset and undo need "dev" typed exactly; nothing reaches the worker otherwise', async () => {
    const { service, calls } = setup()
    const reset = await failure(service.reset({ siteId: SITE, oid: A, head: HEAD, confirm: 'Dev' }))
    expect(reset).toMatchObject({ code: 'confirm_mismatch' })
    expect(reset.message).toBe('Type dev to confirm the reset: the name must match exactly. Nothing was changed.')
    const undo = await failure(
      service.undoReset({ siteId: SITE, backupRef: 'refs/restore-desk/reset-backups/x', confirm: '' }),
    )
    expect(undo).toMatchObject({ code: 'confirm_mismatch' })
    expect(calls).toEqual([])
  })

  it('a reset pushes with the token and lease, then finds the push’s sync_code and tracks it', async () => {
    const ours = workflow({ id: 'ours', createdAt: 10_500, params: { target_commit: A } })
    const older = workflow({ id: 'older', createdAt: 1_000, params: { target_commit: A } })
    const other = workflow({ id: 'other', createdAt: 11_000, params: { target_commit: TEST } })
    const restore = workflow({ id: 'restore', type: 'restore_code', createdAt: 12_000 })
    // The platform lists it only on the second ask.
    const { service, argsOf, tracked, history, events } = setup({
      workflows: (call) => (call === 0 ? [older, other] : [restore, other, ours, older]),
    })
    const result = await service.reset({ siteId: SITE, oid: A, head: HEAD, confirm: 'dev' })
    expect(argsOf('reset')).toEqual([
      { ...VIEW, url: 'http://127.0.0.1:9/git/site-1.git', token: 'secret-token', oid: A, head: HEAD },
    ])
    expect(result).toMatchObject({
      previousHead: HEAD,
      newHead: A,
      backupRef: 'refs/restore-desk/reset-backups/20261202T031500Z',
      workflow: { id: 'ours' },
    })
    expect(tracked.map((w) => w.id)).toEqual(['ours'])
    // The row shows dev on the commit it was moved to.
    expect(result.commit).toMatchObject({ oid: A, envsAt: ['dev'] })
    expect(events.filter((e) => e === 'moved')).toHaveLength(1)
    expect(history.moved).toHaveBeenCalledTimes(1)
  })

  it('a lease refusal says dev moved, in the page’s words', async () => {
    const refusal = () => {
      throw new GitError('git_lease', 'Dev moved since you looked (someone pushed): refresh and look again.')
    }
    const { service, tracked } = setup({ table: { reset: refusal, revert: refusal } })
    for (const move of [
      service.reset({ siteId: SITE, oid: A, head: HEAD, confirm: 'dev' }),
      service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD }),
    ]) {
      const error = await failure(move)
      expect(error).toBeInstanceOf(GitError)
      expect(error).toMatchObject({ code: 'git_lease', message: LEASE_MESSAGE })
    }
    expect(LEASE_MESSAGE).toBe('Dev moved since you looked: someone pushed. Refresh and look again.')
    expect(tracked).toEqual([])
  })

  it('in a local clone the worker’s own words for a moved branch stay', async () => {
    const words = 'The clone’s master is at 1234567, not at bbbbbbb where you looked. Refresh and look again.'
    const local = status({ source: 'local-clone', canPush: false })
    const { service } = setup({
      status: local,
      table: {
        revert: () => {
          throw new GitError('git_lease', words)
        },
      },
    })
    const error = await failure(service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD }))
    expect(error).toMatchObject({ code: 'git_lease', message: words })
  })

  it('a busy dev refuses a revert before anything is made', async () => {
    const { service, calls } = setup({
      busy: 'A deploy is running on dev. Wait until it has finished, then try again.',
    })
    const error = await failure(service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD }))
    expect(error).toMatchObject({
      code: 'busy',
      message: 'A deploy is running on dev. Wait until it has finished, then try again. Nothing was changed.',
    })
    expect(calls).toEqual([])
  })

  it('a revert is by the platform user, pushed, and its sync_code told', async () => {
    const sync = workflow({ id: 'sync', createdAt: 10_001, params: { target_commit: NEW } })
    const { service, argsOf, tracked } = setup({
      user: { id: 'u1', email: 'jonas@lindqvist.dev', fullName: null },
      workflows: () => [sync],
    })
    const result = await service.revert({ siteId: SITE, oid: A, mode: 'roll-back', head: HEAD })
    expect(argsOf('revert')).toEqual([
      {
        ...VIEW,
        remote: { url: 'http://127.0.0.1:9/git/site-1.git', token: 'secret-token' },
        oid: A,
        mode: 'roll-back',
        head: HEAD,
        author: { name: 'jonas', email: 'jonas@lindqvist.dev' },
      },
    ])
    expect(result).toMatchObject({ previousHead: HEAD, newHead: NEW, workflow: { id: 'sync' }, backupRef: null })
    expect(tracked.map((w) => w.id)).toEqual(['sync'])
  })

  it('a revert in a local clone is made there (no remote), with no workflow to follow', async () => {
    const local = status({ source: 'local-clone', canPush: false, localPath: '/home/ana/site' })
    const { service, argsOf, client } = setup({ kind: 'pantheon', status: local })
    const result = await service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD })
    expect(argsOf('revert')).toEqual([expect.objectContaining({ remote: null })])
    expect(result.workflow).toBeNull()
    expect(result.commit).toMatchObject({ oid: NEW, envsAt: [] })
    expect(client.listWorkflows).not.toHaveBeenCalled()
  })

  it('a commit that cannot be read after the move says that dev moved', async () => {
    const { service, history } = setup({
      table: {
        commit: () => {
          throw new GitError('git_worker', 'The git worker stopped unexpectedly.')
        },
      },
    })
    const error = await failure(service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD }))
    expect(error).toMatchObject({
      code: 'git_worker',
      message:
        'Dev is now at ccccccc, but the app could not read that commit afterwards (The git worker stopped unexpectedly.) Refresh the history.',
    })
    expect(history.moved).toHaveBeenCalled()
  })

  it('a reset is refused on Pantheon even when asked directly', async () => {
    const local = status({ source: 'local-clone', canPush: false })
    const { service, argsOf } = setup({ kind: 'pantheon', status: local })
    const error = await failure(service.reset({ siteId: SITE, oid: A, head: HEAD, confirm: 'dev' }))
    expect(error.message).toMatch(/^Pantheon’s git is SSH-only: reset from a terminal: .* Nothing was changed\.$/)
    expect(argsOf('reset')).toEqual([])
  })

  it('no sync_code within the wait: the result says so with no workflow', async () => {
    const { service, client } = setup({ workflows: () => [workflow({ id: 'old', createdAt: 100 })] })
    const result = await service.revert({ siteId: SITE, oid: A, mode: 'revert', head: HEAD })
    expect(result.workflow).toBeNull()
    // Asked about once a second for ten seconds.
    expect(client.listWorkflows.mock.calls.length).toBeGreaterThanOrEqual(10)
    expect(client.listWorkflows.mock.calls.length).toBeLessThanOrEqual(11)
  })
})

describe('the undo of a reset', () => {
  const backups: ResetBackup[] = [
    { ref: 'refs/restore-desk/reset-backups/20261202T040000Z', savedHead: NEW, resetTo: TEST, at: 3000 },
    { ref: 'refs/restore-desk/reset-backups/20261202T031500Z', savedHead: A, resetTo: HEAD, at: 2000 },
  ]

  it('is offered for the newest reset whose target is still the remote’s master', async () => {
    const { service } = setup({ table: { resetBackups: () => backups } })
    expect(await service.resetUndoInfo(SITE)).toEqual({
      backupRef: 'refs/restore-desk/reset-backups/20261202T031500Z',
      restores: expect.objectContaining({ oid: A }),
      from: HEAD,
      at: 2000,
    })
  })

  it('is not offered once someone pushed on top, in a local clone, or with no repository', async () => {
    expect(await setup({ table: { resetBackups: () => [backups[0]!] } }).service.resetUndoInfo(SITE)).toBeNull()
    const local = setup({ status: status({ source: 'local-clone', canPush: false }) })
    expect(await local.service.resetUndoInfo(SITE)).toBeNull()
    const none = setup()
    none.history.repository.mockRejectedValueOnce(new GitError('git_no_repository', 'Open it first.'))
    expect(await none.service.resetUndoInfo(SITE)).toBeNull()
  })

  it('pushes back with the backup ref, and refuses one the clone does not have', async () => {
    const { service, argsOf } = setup({ table: { resetBackups: () => backups } })
    const result = await service.undoReset({ siteId: SITE, backupRef: backups[1]!.ref, confirm: 'dev' })
    expect(argsOf('undoReset')).toEqual([
      { ...VIEW, url: 'http://127.0.0.1:9/git/site-1.git', token: 'secret-token', backupRef: backups[1]!.ref },
    ])
    expect(result).toMatchObject({ previousHead: A, newHead: HEAD })
    const gone = await failure(
      service.undoReset({ siteId: SITE, backupRef: 'refs/restore-desk/reset-backups/gone', confirm: 'dev' }),
    )
    expect(gone).toMatchObject({ code: 'not_found' })
  })
})

describe('commitAuthor', () => {
  it('takes the full name, else the e-mail’s local part, else the user id', () => {
    expect(commitAuthor({ id: 'u', email: 'ana@example.com', fullName: ' Ana Tester ' })).toEqual({
      name: 'Ana Tester',
      email: 'ana@example.com',
    })
    expect(commitAuthor({ id: 'u', email: 'ana@example.com', fullName: null })).toEqual({
      name: 'ana',
      email: 'ana@example.com',
    })
    expect(commitAuthor({ id: 'u7', email: '', fullName: '' })).toEqual({ name: 'u7', email: '' })
  })
})
