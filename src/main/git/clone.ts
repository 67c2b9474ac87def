/**
 * Cloning a site's repository for reading its history: every branch and tag (the deploy tags
 * `pantheon_test_N` / `pantheon_live_N` tell where test and live stand), no working tree. The
 * clone is made in a hidden folder beside its final place and renamed there only when whole,
 * so nothing half-made is ever opened; a clone that fails or is stopped removes that folder.
 *
 * The pack is streamed to disk and indexed there as it arrives (clone-pack.ts) rather than
 * through the library's clone, which holds the whole pack and its objects in memory: that kept
 * a 77 MiB pack's clone at +431 MiB, this one stays near native git's. The repository itself
 * (config, HEAD, the local branch) is laid out with isomorphic-git, the same as its clone does,
 * so its fetch and reads use it as their own.
 */
import fs from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import git from 'isomorphic-git'
import type { GitProgress } from '../../shared/history'
import { exists, removeQuietly, renameDurable } from '../../lib/atomic'
import { GitError } from './git-error'
import { clonePack } from './clone-pack'
import { partialClonePath } from './repositories'
import { authHeaders, checkHttpRemote, countingHttp, ProgressThrottle, transportError } from './transport'
import { discoverRefs, type AdvertisedRef } from './upload-pack'

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

/** The refs a clone keeps: branches as `origin`'s, and tags. */
function keptRefs(refs: readonly AdvertisedRef[]): { heads: AdvertisedRef[]; tags: AdvertisedRef[] } {
  return {
    heads: refs.filter((ref) => ref.name.startsWith('refs/heads/')),
    tags: refs.filter((ref) => ref.name.startsWith('refs/tags/')),
  }
}

/**
 * `packed-refs` for the remote-tracking branches and the tags, in git's own format (one file
 * rather than a file per tag: a Pantheon site has a tag per deploy). Without peeled (`^`) lines:
 * isomorphic-git lists those as refs named `<tag>^{}`, and its fetch's pruneTags then fails on
 * them; readers peel a tag by reading it instead.
 */
function packedRefs(heads: readonly AdvertisedRef[], tags: readonly AdvertisedRef[]): string {
  const lines = [
    ...heads.map((ref) => `${ref.oid} refs/remotes/origin/${ref.name.slice('refs/heads/'.length)}`),
    ...tags.map((ref) => `${ref.oid} ${ref.name}`),
  ].sort((a, b) => (a.slice(41) < b.slice(41) ? -1 : a.slice(41) > b.slice(41) ? 1 : 0))
  return `# pack-refs with: sorted \n${lines.map((line) => `${line}\n`).join('')}`
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
  const gitdir = path.join(partial, '.git')
  const throttle = new ProgressThrottle(options.onProgress, options.progressIntervalMs)
  const transport = countingHttp(signal, (bytes) => throttle.bytes(bytes))
  const headers = authHeaders(options.token)
  try {
    await mkdir(partial, { recursive: true, mode: 0o700 })
    const advertised = await discoverRefs(transport.http, url, headers)
    const { heads, tags } = keptRefs(advertised.refs)
    const head = heads.find((ref) => ref.name === advertised.head) ?? heads[0] ?? null
    const branch = head ? head.name.slice('refs/heads/'.length) : 'master'
    await git.init({ fs, dir: partial, defaultBranch: branch })
    await git.addRemote({ fs, dir: partial, remote: 'origin', url })
    const wants = [...new Set([...heads, ...tags].map((ref) => ref.oid))]
    if (wants.length > 0) {
      const packDir = path.join(gitdir, 'objects', 'pack')
      await mkdir(packDir, { recursive: true })
      await clonePack({
        http: transport.http,
        url,
        headers,
        wants,
        packDir,
        signal,
        onProgress: (event) => throttle.progress(event),
      })
      await writeFile(path.join(gitdir, 'packed-refs'), packedRefs(heads, tags))
    }
    if (head) {
      await git.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: head.oid })
      await git.writeRef({
        fs,
        gitdir,
        ref: 'refs/remotes/origin/HEAD',
        value: `refs/remotes/origin/${branch}`,
        symbolic: true,
      })
      await git.setConfig({ fs, gitdir, path: `branch.${branch}.remote`, value: 'origin' })
      await git.setConfig({ fs, gitdir, path: `branch.${branch}.merge`, value: `refs/heads/${branch}` })
    }
    if (signal.aborted) throw new GitError('git_cancelled', 'Stopped.')
    throttle.flush()
    await renameDurable(partial, folder)
  } catch (error) {
    await removeQuietly(partial)
    throw transportError(error, 'clone', url, signal)
  }
  return { gitdir: path.join(folder, '.git') }
}
