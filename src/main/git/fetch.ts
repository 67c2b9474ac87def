/**
 * Fetching what changed on the platform into the app's clone: every branch and every tag. The
 * remote-tracking branches are force-updated (the refspec clone wrote is `+refs/heads/*:…`),
 * because a restore of dev's code may move master backwards. The platform creates deploy tags
 * and never moves them, but a failed deploy deletes the tag it made, and a tag could be
 * re-pointed by hand on another host: so tags are pruned and rewritten from the remote's list
 * (`pruneTags`), the way `git fetch --prune --prune-tags` does. Local branches are left alone:
 * the history reads the environments' commits and the remote-tracking refs, never a local branch.
 */
import fs from 'node:fs'
import git from 'isomorphic-git'
import type { GitProgress } from '../../shared/history'
import { GitError } from './git-error'
import { authHeaders, checkHttpRemote, countingHttp, ProgressThrottle, transportError } from './transport'

export interface FetchOptions {
  readonly gitdir: string
  readonly url: string
  readonly token: string
  readonly signal: AbortSignal
  readonly onProgress: (progress: GitProgress) => void
  readonly progressIntervalMs?: number
}

/** Fetches every branch and tag of `url` into the clone at `gitdir`, as `origin`. */
export async function fetchRepository(options: FetchOptions): Promise<void> {
  const { gitdir, url, signal } = options
  checkHttpRemote(url)
  const throttle = new ProgressThrottle(options.onProgress, options.progressIntervalMs)
  const transport = countingHttp(signal, (bytes) => throttle.bytes(bytes))
  let downloaded = false
  try {
    // The embedded platform listens on a new port at each start: origin follows connection-info.
    if ((await git.getConfig({ fs, gitdir, path: 'remote.origin.url' })) !== url) {
      await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url })
      await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' })
    }
    await git.fetch({
      fs,
      http: transport.http,
      gitdir,
      remote: 'origin',
      headers: authHeaders(options.token),
      singleBranch: false,
      tags: true,
      prune: true,
      pruneTags: true,
      cache: {},
      onProgress: (event) => {
        throttle.progress(event)
        // As in clone.ts: only once the pack is in is a throw from here awaited.
        if (event.phase === 'Resolving deltas') downloaded = true
        if (downloaded && signal.aborted) throw new GitError('git_cancelled', 'The fetch was stopped.')
      },
    })
    if (signal.aborted) throw new GitError('git_cancelled', 'The fetch was stopped.')
    throttle.flush()
  } catch (error) {
    throw transportError(error, 'fetch', url, signal)
  }
}
