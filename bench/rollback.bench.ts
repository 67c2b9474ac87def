/**
 * Revert, roll back and reset on the generated repository of 20,000 commits and 5,000 files
 * (history-support.ts), each beside native git doing the same in the same run, both pushing to
 * the same remote, a bare repository served by `git http-backend` on 127.0.0.1:
 *
 * - revert: the worker's `revert` of a commit 200 first-parent commits back (pushed with a
 *   lease) against `git revert --no-edit <C>` and `git push` in a checked-out clone;
 * - roll-back: the worker's roll back to that commit against `git commit-tree <C>^{tree} -p HEAD`
 *   and `git push`;
 * - reset: the worker's `reset` (backup ref, force push with a lease) against `git update-ref` of
 *   a backup ref, `git reset --hard <C>` and `git push --force-with-lease`.
 *
 * The app's side runs on a warm session (the history was read and the preview shown first, as in
 * the app); the cold first preview is printed apart. After every run the remote and both clones
 * are put back, so each run starts from the same head. Figures are medians of three runs.
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rollbackOperations } from '../src/main/git/rollback-operations'
import { serveGitHttp } from '../test/main/git/clone-helpers'
import { opContext } from '../test/main/git/support/rollback-repo'
import { git } from '../test/helpers/git-history'
import { benchRepository, median, millis } from './history-support'

const TOKEN = 'bench-token'
const AUTHOR = { name: 'Bench Reverter', email: 'bench@example.com' }
const RUNS = 3
const BACK = 200

function report(what: string, iso: number, native: number): void {
  console.log(
    `rollback: ${what} iso/native = ${(iso / native).toFixed(2)} (iso ${iso.toFixed(1)} ms, native ${native.toFixed(1)} ms)`,
  )
}

export async function run(): Promise<void> {
  const root = join(tmpdir(), `rd-rollback-bench-${process.pid}`)
  const remote = join(root, 'site.git')
  const app = join(root, 'app')
  const native = join(root, 'native')
  const server = await serveGitHttp(root, TOKEN)
  const ctx = opContext()
  try {
    const { head } = await benchRepository(remote)
    const url = server.url('site.git')
    // The app's clone as clone.ts lays it out (remote-tracking refs in packed-refs, no checkout).
    await git(root, 'clone', '-q', '--no-checkout', remote, app)
    await git(app, 'remote', 'set-url', 'origin', url)
    await git(root, 'clone', '-q', remote, native)
    await git(native, 'remote', 'set-url', 'origin', url.replace('http://', `http://bench:${TOKEN}@`))
    const gitdir = join(app, '.git')
    const candidates = (await git(remote, 'rev-list', '--first-parent', '--no-merges', '-n', String(BACK + 50), head))
      .split('\n')
      .slice(BACK)
    const view = { gitdir, envs: [{ env: 'dev', oid: head, ref: 'refs/heads/master' }] }

    // A commit whose revert is clean, found with the preview (the first one is the cold preview).
    let target: string | null = null
    let coldPreview = 0
    for (const oid of candidates) {
      let clean = false
      const took = await millis(async () => {
        const preview = await rollbackOperations.revertPreview({ ...view, oid, mode: 'revert', head }, ctx)
        clean = preview.conflicts.length === 0 && !preview.empty
      })
      if (coldPreview === 0) coldPreview = took
      if (clean) {
        target = oid
        break
      }
    }
    if (target === null) throw new Error(`None of ${candidates.length} commits ${BACK} back reverts cleanly.`)
    const warmPreview = median(
      await Promise.all(
        [0, 1, 2].map(() =>
          millis(() => rollbackOperations.revertPreview({ ...view, oid: target as string, mode: 'revert', head }, ctx)),
        ),
      ),
    )
    const files = (await git(remote, 'diff', '--name-only', `${target}^`, target)).split('\n').length
    console.log(
      `   target: ${target.slice(0, 10)}, ${BACK} first-parent commits back, ${files} files; preview ${warmPreview.toFixed(1)} ms warm, ${coldPreview.toFixed(1)} ms cold (new session)`,
    )

    const restore = async (): Promise<void> => {
      await git(remote, 'update-ref', 'refs/heads/master', head)
      await git(gitdir, 'update-ref', 'refs/remotes/origin/master', head)
      await git(gitdir, 'update-ref', 'refs/heads/master', head)
      await git(native, 'reset', '-q', '--hard', head)
      await git(native, 'update-ref', 'refs/remotes/origin/master', head)
      for (const ref of (await git(gitdir, 'for-each-ref', '--format=%(refname)', 'refs/restore-desk')).split('\n'))
        if (ref !== '') await git(gitdir, 'update-ref', '-d', ref)
      await git(native, 'update-ref', '-d', 'refs/backup/before-reset').catch(() => undefined)
    }
    const measure = async (
      what: string,
      iso: () => Promise<string>,
      nativeRun: () => Promise<string>,
      check: (isoHead: string, nativeHead: string) => Promise<void>,
    ): Promise<void> => {
      const isoTimes: number[] = []
      const nativeTimes: number[] = []
      for (let i = 0; i < RUNS; i++) {
        let isoHead = ''
        let nativeHead = ''
        isoTimes.push(await millis(async () => (isoHead = await iso())))
        if ((await git(remote, 'rev-parse', 'master')) !== isoHead) throw new Error(`${what}: the remote did not move`)
        await restore()
        nativeTimes.push(await millis(async () => (nativeHead = await nativeRun())))
        if ((await git(remote, 'rev-parse', 'master')) !== nativeHead) throw new Error(`${what}: native did not push`)
        await restore()
        if (i === 0) await check(isoHead, nativeHead)
      }
      report(what, median(isoTimes), median(nativeTimes))
    }
    const treeOf = (rev: string): Promise<string> => git(remote, 'rev-parse', `${rev}^{tree}`)
    const C = target
    const remoteArgs = { url, token: TOKEN }
    const time = 1_750_000_000

    await measure(
      'revert',
      async () =>
        (
          await rollbackOperations.revert(
            { ...view, remote: remoteArgs, oid: C, mode: 'revert', head, author: AUTHOR, time },
            ctx,
          )
        ).newHead,
      async () => {
        await git(native, 'revert', '--no-edit', C)
        await git(native, 'push', '-q', 'origin', 'HEAD:master')
        return git(native, 'rev-parse', 'HEAD')
      },
      async (ours, theirs) => {
        if ((await treeOf(ours)) !== (await treeOf(theirs)))
          throw new Error('revert: the trees differ from git revert’s')
      },
    )
    await measure(
      'roll-back',
      async () =>
        (
          await rollbackOperations.revert(
            { ...view, remote: remoteArgs, oid: C, mode: 'roll-back', head, author: AUTHOR, time },
            ctx,
          )
        ).newHead,
      async () => {
        const commit = await git(native, 'commit-tree', `${C}^{tree}`, '-p', 'HEAD', '-m', `Roll back to ${C}`)
        await git(native, 'push', '-q', 'origin', `${commit}:refs/heads/master`)
        return commit
      },
      async (ours) => {
        if ((await treeOf(ours)) !== (await treeOf(C))) throw new Error('roll back: the tree is not the commit’s')
      },
    )
    await measure(
      'reset',
      async () => (await rollbackOperations.reset({ ...view, ...remoteArgs, oid: C, head }, ctx)).newHead,
      async () => {
        await git(native, 'update-ref', 'refs/backup/before-reset', head)
        await git(native, 'reset', '-q', '--hard', C)
        await git(native, 'push', '-q', `--force-with-lease=master:${head}`, 'origin', 'HEAD:master')
        return git(native, 'rev-parse', 'HEAD')
      },
      async (ours, theirs) => {
        if (ours !== theirs || ours !== C) throw new Error('reset: master is not where git reset --hard put it')
      },
    )
  } finally {
    await ctx.close()
    await server.close()
    await rm(root, { recursive: true, force: true })
  }
}
