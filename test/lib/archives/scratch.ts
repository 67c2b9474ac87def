/**
 * Shared setup for the archive tests: one temp folder per test file, made before its tests and
 * removed after them, and the check that an archive call rejected with an `ArchiveError`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { ArchiveError } from '../../../src/lib/archives'

/** A test file's temp folder; `dir` is set once the file's `beforeAll` hooks have run. */
export interface ScratchDir {
  readonly dir: string
  /** Writes `data` to `name` inside the folder and returns the file's path. */
  put(name: string, data: string | Buffer): Promise<string>
}

/** Registers hooks that make a temp folder named `prefix…` before the file's tests and remove it after. */
export function useScratchDir(prefix: string): ScratchDir {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix))
  })
  afterAll(async () => {
    // Nothing to remove when mkdtemp itself failed.
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  return {
    get dir() {
      return dir
    },
    put: async (name, data) => {
      const file = path.join(dir, name)
      await writeFile(file, data)
      return file
    },
  }
}

/** Awaits `promise`, expects it to reject with an `ArchiveError`, and returns that error. */
export async function expectArchiveError(promise: Promise<unknown>): Promise<ArchiveError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ArchiveError)
  return error as ArchiveError
}
