/**
 * The set-up the rollback operation tests share: the revert scenario, built once per file, and
 * what a test opens (a served remote, an operation context, a native clone) closed after that
 * test, the last opened first, so a remote outlives the contexts that read it.
 */
import path from 'node:path'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { GitError } from '../../../../src/main/git/git-error'
import { removeDir } from '../clone-helpers'
import { gitAt, nativeClone, opContext, serve, type Served, type WorkRepo } from './rollback-repo'
import { buildRevertScenario, type RevertScenario } from './rollback-scenario'

export interface RollbackFixture {
  /** The scenario; built in `beforeAll`, so read it inside a test or hook. */
  scenario(): RevertScenario
  /** Runs `cleanup` after the current test, before anything registered earlier. */
  defer(cleanup: () => Promise<void>): void
  /** A remote serving `work` (the scenario's by default) and the app's clone of it. */
  served(work?: WorkRepo, name?: string): Promise<Served>
  /** An operation context like the worker's. */
  context(signal?: AbortSignal): ReturnType<typeof opContext>
  /** A native clone of `source` with its working folder. */
  clone(source: string, label: string): Promise<string>
  /** Someone else pushes a commit on top of the remote's master (straight into the bare repository); resolves with it. */
  pushFromElsewhere(remote: Served, label: string): Promise<string>
}

/** Registers the file's hooks and hands back the fixture; call it once, at the top of a test file. */
export function useRollbackFixture(): RollbackFixture {
  let built: RevertScenario | null = null
  const cleanups: Array<() => Promise<void>> = []

  beforeAll(async () => {
    built = await buildRevertScenario()
  }, 60_000)
  afterAll(async () => {
    await built?.work.close()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  function scenario(): RevertScenario {
    if (!built) throw new Error('The revert scenario is built in beforeAll: read it inside a test or a hook.')
    return built
  }

  function defer(cleanup: () => Promise<void>): void {
    cleanups.push(cleanup)
  }

  async function clone(source: string, label: string): Promise<string> {
    const dir = await nativeClone(source, label)
    defer(() => removeDir(path.dirname(dir)))
    return dir
  }

  return {
    scenario,
    defer,
    async served(work = scenario().work, name) {
      const made = await serve(work, name)
      defer(() => made.close())
      return made
    },
    context(signal) {
      const made = opContext(signal)
      defer(() => made.close())
      return made
    },
    clone,
    async pushFromElsewhere(remote, label) {
      const other = await clone(remote.remoteDir, label)
      await gitAt(other, ['commit', '-q', '--allow-empty', '-m', `Pushed by someone else (${label})`])
      await gitAt(other, ['push', '-q', 'origin', 'master'])
      return gitAt(other, ['rev-parse', 'HEAD'])
    },
  }
}

/** The GitError `promise` rejects with (failing the test when it resolves or throws anything else). */
export async function caught(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(GitError)
  return error as GitError
}

/** Where the remote's master is. */
export function remoteMaster(remote: Served): Promise<string> {
  return gitAt(remote.remoteDir, ['rev-parse', 'master'])
}
