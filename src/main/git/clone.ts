/**
 * Cloning a site's repository for reading its history: every branch and tag (the deploy tags
 * `pantheon_test_N` / `pantheon_live_N` tell where test and live stand), no working tree. The
 * clone is made in a hidden folder beside its final place and renamed there only when whole,
 * so nothing half-made is ever opened; a clone that fails or is stopped removes that folder.
 */
import fs from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import git from 'isomorphic-git'
import type { GitProgress } from '../../shared/history'
import { exists, removeQuietly, renameDurable } from '../../lib/atomic'
import { GitError } from './git-error'
import { partialClonePath } from './repositories'
import { authHeaders, checkHttpRemote, countingHttp, ProgressThrottle, transportError } from './transport'

export interface CloneOptions {
  readonly url: string
  readonly token: string
  /** The clone's folder (it gets a `.git` inside); must not exist yet. */
  readonly folder: string
  readonly signal: AbortSignal
  readonly onProgress: (progress: GitProgress) => void
  /** Progress messages at most this often (ms); default 100. */
  readonly progressIntervalMs?: number
}

/** Clones `url` into `folder`; resolves with the clone's git directory. */
export async function cloneRepository(options: CloneOptions): Promise<{ readonly gitdir: string }> {
  const { url, folder, signal } = options
  checkHttpRemote(url)
  if (await exists(folder))
    throw new GitError(
      'git_corrupt',
      `A clone of this site is already in ${folder}. Open the history again; it will use that clone.`,
    )
  await mkdir(path.dirname(folder), { recursive: true, mode: 0o700 })
  const partial = partialClonePath(folder)
  const throttle = new ProgressThrottle(options.onProgress, options.progressIntervalMs)
  let downloaded = false
  const transport = countingHttp(signal, (bytes) => throttle.bytes(bytes))
  try {
    await git.clone({
      fs,
      http: transport.http,
      dir: partial,
      url,
      headers: authHeaders(options.token),
      noCheckout: true,
      singleBranch: false,
      noTags: false,
      cache: {},
      onProgress: (event) => {
        throttle.progress(event)
        // Once the pack is in, the library indexes it with no request to abort: stop it here.
        // (Not before: progress read from the download's side band is not awaited, so a throw
        // there would go nowhere.)
        if (event.phase === 'Resolving deltas') downloaded = true
        if (downloaded && signal.aborted) throw new GitError('git_cancelled', 'The clone was stopped.')
      },
    })
    if (signal.aborted) throw new GitError('git_cancelled', 'The clone was stopped.')
    throttle.flush()
    await renameDurable(partial, folder)
  } catch (error) {
    await removeQuietly(partial)
    throw transportError(error, 'clone', url, signal)
  }
  return { gitdir: path.join(folder, '.git') }
}
