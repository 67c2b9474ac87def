/**
 * A revert in a local clone the app cannot push from: its checked-out branch and working folder
 * move as `git revert` moves them (a file that became a folder and back included), and nothing
 * moves when the folder has changes, when an untracked file is where the revert writes, or when
 * the branch moved since the preview. A bare clone moves only its branch; a detached HEAD moves.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import { caught, useRollbackFixture } from './support/rollback-fixture'
import {
  AUTHOR,
  devAt,
  emptyFolders,
  gitAt,
  nativeRevertIn,
  snapshot,
  TIME,
  workingFolder,
  WorkRepo,
} from './support/rollback-repo'

const { scenario, defer, context, clone } = useRollbackFixture()

function revertIn(gitdir: string, oid: string, head: string, ctx = context()) {
  return rollbackOperations.revert(
    { gitdir, envs: devAt(head), remote: null, oid, mode: 'revert', head, author: AUTHOR, time: TIME },
    ctx,
  )
}

/** Everything a refused revert must leave: refs, objects, index and working folder. */
async function state(dir: string) {
  return {
    git: await snapshot(path.join(dir, '.git')),
    index: await readFile(path.join(dir, '.git', 'index')),
    files: await workingFolder(dir),
  }
}

describe('a revert in a local clone', () => {
  it('turns a folder back into a file and the file into a folder again, as git does', async () => {
    const work = await WorkRepo.create('df')
    defer(() => work.close())
    await work.write('conf', 'one file\n')
    await work.write('keep.txt', 'keep\n')
    await work.commit('A file named conf')
    await work.remove('conf')
    await work.write('conf/main.yml', 'main: yes\n')
    await work.write('conf/deep/extra.yml', 'extra: yes\n')
    const toFolder = await work.commit('conf becomes a folder')
    const ours = await clone(work.dir, 'df-ours')
    const theirs = await clone(work.dir, 'df-native')
    const first = await revertIn(path.join(ours, '.git'), toFolder, toFolder)
    expect(await nativeRevertIn(theirs, toFolder)).toMatchObject({ commit: first.newHead })
    expect(await workingFolder(ours)).toEqual({
      conf: `file ${Buffer.from('one file\n').toString('base64')}`,
      'keep.txt': expect.any(String) as string,
    })
    expect(await workingFolder(ours)).toEqual(await workingFolder(theirs))
    // And back: reverting the revert makes the folder again where the file is.
    const second = await revertIn(path.join(ours, '.git'), first.newHead, first.newHead)
    expect(await nativeRevertIn(theirs, first.newHead)).toMatchObject({ commit: second.newHead })
    expect(await workingFolder(ours)).toEqual(await workingFolder(theirs))
    expect(await gitAt(ours, ['status', '--porcelain', '--untracked-files=all'])).toBe('')
    expect(await emptyFolders(ours)).toEqual([])
  })

  it('refuses a working folder with a changed file, and changes nothing', async () => {
    const dir = await clone(scenario().work.dir, 'dirty')
    await writeFile(path.join(dir, 'README.md'), 'edited, not committed\n')
    const before = await state(dir)
    const error = await caught(revertIn(path.join(dir, '.git'), scenario().ids.folder, scenario().head))
    expect(error.code).toBe('git_dirty')
    expect(error.message).toContain('has changes that are not committed (README.md)')
    expect(await state(dir)).toEqual(before)
  })

  it('refuses a staged change', async () => {
    const dir = await clone(scenario().work.dir, 'staged')
    await writeFile(path.join(dir, 'new.txt'), 'staged\n')
    await gitAt(dir, ['add', 'new.txt'])
    const error = await caught(revertIn(path.join(dir, '.git'), scenario().ids.folder, scenario().head))
    expect(error.code).toBe('git_dirty')
    expect(error.message).toContain('new.txt')
  })

  it('refuses an untracked file where the revert writes, and keeps untracked files elsewhere', async () => {
    const dir = await clone(scenario().work.dir, 'untracked')
    await writeFile(path.join(dir, 'docs', 'old-name.md'), 'mine\n')
    const error = await caught(revertIn(path.join(dir, '.git'), scenario().ids.rename, scenario().head))
    expect(error.code).toBe('git_dirty')
    expect(error.message).toContain('Untracked files')
    expect(error.message).toContain('docs/old-name.md')
    expect(await readFile(path.join(dir, 'docs', 'old-name.md'), 'utf8')).toBe('mine\n')

    await writeFile(path.join(dir, 'lib', 'extra', 'notes.local'), 'mine too\n').catch(() => undefined)
    await writeFile(path.join(dir, 'elsewhere.local'), 'mine\n')
    await revertIn(path.join(dir, '.git'), scenario().ids.edit, scenario().head)
    expect(await readFile(path.join(dir, 'elsewhere.local'), 'utf8')).toBe('mine\n')
  })

  it('keeps a folder that still holds an untracked file when the revert empties it', async () => {
    const dir = await clone(scenario().work.dir, 'keep-folder')
    await writeFile(path.join(dir, 'lib', 'extra', 'deep', 'mine.local'), 'mine\n')
    await revertIn(path.join(dir, '.git'), scenario().ids.folder, scenario().head)
    expect(await readFile(path.join(dir, 'lib', 'extra', 'deep', 'mine.local'), 'utf8')).toBe('mine\n')
    expect(Object.keys(await workingFolder(dir)).filter((file) => file.startsWith('lib/'))).toEqual([
      'lib/extra/deep/mine.local',
    ])
  })

  it('refuses with git_lease when the branch moved since the preview', async () => {
    const dir = await clone(scenario().work.dir, 'moved')
    await gitAt(dir, ['commit', '-q', '--allow-empty', '-m', 'Committed meanwhile'])
    const before = await state(dir)
    const error = await caught(revertIn(path.join(dir, '.git'), scenario().ids.edit, scenario().head))
    expect(error.code).toBe('git_lease')
    expect(error.message).toContain('The clone’s master is at')
    expect(await state(dir)).toEqual(before)
  })

  it('moves only the branch of a bare clone, and a detached HEAD itself', async () => {
    const parent = path.dirname(await clone(scenario().work.dir, 'bare'))
    const bare = path.join(parent, 'bare.git')
    await gitAt(parent, ['clone', '-q', '--bare', scenario().work.dir, bare])
    const result = await revertIn(bare, scenario().ids.edit, scenario().head)
    expect(await gitAt(bare, ['rev-parse', 'refs/heads/master'])).toBe(result.newHead)

    const detached = await clone(scenario().work.dir, 'detached')
    await gitAt(detached, ['checkout', '-q', '--detach', 'HEAD'])
    const moved = await revertIn(path.join(detached, '.git'), scenario().ids.edit, scenario().head)
    expect(moved.newHead).toBe(result.newHead)
    expect(await gitAt(detached, ['rev-parse', 'HEAD'])).toBe(moved.newHead)
    expect(await gitAt(detached, ['rev-parse', 'refs/heads/master'])).toBe(scenario().head)
    expect(await gitAt(detached, ['status', '--porcelain'])).toBe('')
  })
})
