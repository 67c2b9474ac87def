/**
 * The git worker thread's entry (built as `out/main/git-worker.js`; run from source with tsx in
 * browser mode and tests). All of the app's git work runs here, off the main thread: the host
 * (worker-host.ts) posts requests, this answers them through one table of operations, keeps one
 * session per repository (its object reader and the library's cache, which make every request
 * after the first fast) and aborts a request's AbortController when the host cancels it.
 */
import fs from 'node:fs'
import { parentPort } from 'node:worker_threads'
import git from 'isomorphic-git'
import { cloneRepository } from './clone'
import { fetchRepository } from './fetch'
import { GitError } from './git-error'
import { closeHistoryState, historyOperations } from './history-operations'
import { openRepoSession } from './objects'
import { findGitdir } from './repositories'
import { rollbackOperations } from './rollback-operations'
import {
  toWireError,
  type GitOperationTable,
  type HostMessage,
  type OpContext,
  type RepoSession,
  type WorkerMessage,
} from './worker-protocol'

const sessions = new Map<string, RepoSession>()

function sessionFor(gitdir: string): RepoSession {
  let session = sessions.get(gitdir)
  if (!session) {
    session = openRepoSession(gitdir)
    sessions.set(gitdir, session)
  }
  return session
}

/** What the worker can do: the repository's own operations, the history's (history-operations.ts) and the rollback's (rollback-operations.ts). */
const operations: GitOperationTable = {
  clone: (args, context) => cloneRepository({ ...args, signal: context.signal, onProgress: context.progress }),
  fetch: async (args, context) => {
    try {
      await fetchRepository({ ...args, signal: context.signal, onProgress: context.progress })
    } finally {
      // New packs (or a master that moved back): the next request starts a fresh session.
      context.dropSession(args.gitdir)
    }
    return null
  },
  inspect: async ({ path }) => {
    const { gitdir, bare } = await findGitdir(path)
    const origin: unknown = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' })
    return { gitdir, bare, originUrl: typeof origin === 'string' ? origin : null }
  },
  close: async ({ gitdir }, context) => {
    context.dropSession(gitdir)
    return null
  },
  ...historyOperations,
  ...rollbackOperations,
}

/** Forgets a repository's session and closes the pack files its history held open. */
function dropSession(gitdir: string): void {
  const session = sessions.get(gitdir)
  if (!session) return
  sessions.delete(gitdir)
  void closeHistoryState(session)
}

const port = parentPort
if (!port) throw new Error('src/main/git/worker.ts runs only as a worker thread (see worker-host.ts).')

const running = new Map<number, AbortController>()

function post(message: WorkerMessage): void {
  port!.postMessage(message)
}

async function run(id: number, op: string, args: unknown): Promise<void> {
  const controller = new AbortController()
  running.set(id, controller)
  const context: OpContext = {
    signal: controller.signal,
    progress: (progress) => post({ kind: 'progress', id, progress }),
    session: sessionFor,
    dropSession,
  }
  try {
    if (!Object.hasOwn(operations, op))
      throw new GitError('git_worker', `The git worker has no operation "${op}". Restart Restore Desk.`)
    const handler = operations[op as keyof GitOperationTable] as (a: unknown, c: OpContext) => Promise<unknown>
    post({ kind: 'done', id, value: await handler(args, context) })
  } catch (error) {
    post({ kind: 'failed', id, error: toWireError(error) })
  } finally {
    running.delete(id)
  }
}

port.on('message', (message: HostMessage) => {
  if (message.kind === 'cancel') running.get(message.id)?.abort()
  else if (message.kind === 'run') void run(message.id, message.op, message.args)
})

// A cancelled fetch can make the library's unawaited side-band reader reject; that one is expected.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof GitError && reason.code === 'git_cancelled') return
  throw reason
})
