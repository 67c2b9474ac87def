/**
 * The tree diff and rename detection against native git: paths, statuses, modes, ids and order
 * equal `git diff-tree -r --raw` (a change of kind is git's `T`), equal subtrees and submodules
 * are never read, and renames equal `git diff -M --name-status` including its tie-breaks and
 * its rename limit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isoObjectReader, type ObjectReader } from '../../../src/main/git/objects'
import { detectRenames } from '../../../src/main/git/renames'
import { compareCodePoints, diffTrees, type TreeChange } from '../../../src/main/git/tree-diff'
import { DiffRepo, EMPTY_TREE, gitNameStatus } from './support/diff-repo'
import { buildScenario, codeLines, text, type Scenario } from './support/diff-scenario'

/** A reader that records which objects were asked for. */
function recording(reader: ObjectReader): { reader: ObjectReader; reads: string[] } {
  const reads: string[] = []
  return {
    reads,
    reader: {
      read: (oid) => {
        reads.push(oid)
        return reader.read(oid)
      },
      has: (oid) => reader.has(oid),
      refresh: () => reader.refresh(),
    },
  }
}

async function treeOf(repo: DiffRepo, commit: string): Promise<string> {
  return repo.git('rev-parse', `${commit}^{tree}`)
}

/** `git diff-tree -r --raw --no-renames` as `<status> <old mode> <new mode> <old id> <new id> <path>`. */
async function gitRaw(repo: DiffRepo, from: string, to: string): Promise<string[]> {
  const parts = (await repo.gitBytes('diff-tree', '-r', '-z', '--raw', '--no-abbrev', '--no-renames', from, to))
    .toString('utf8')
    .split('\0')
  const lines: string[] = []
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [oldMode, newMode, oldOid, newOid, status] = (parts[i] ?? '').slice(1).split(' ')
    lines.push([status, oldMode, newMode, oldOid, newOid, parts[i + 1]].join(' '))
  }
  return lines
}

/** Ours in the same shape: a deletion and an addition of one path (a change of kind) is one `T`. */
function ourRaw(changes: readonly TreeChange[]): string[] {
  const zero = '0'.repeat(40)
  const lines: string[] = []
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!
    const next = changes[i + 1]
    if (change.typeChange && next?.typeChange && next.path === change.path) {
      expect([change.status, next.status]).toEqual(['deleted', 'added'])
      lines.push(['T', change.oldMode, next.newMode, change.oldOid, next.newOid, change.path].join(' '))
      i++
      continue
    }
    const status = { added: 'A', modified: 'M', deleted: 'D' }[change.status]
    lines.push(
      [
        status,
        change.oldMode ?? '000000',
        change.newMode ?? '000000',
        change.oldOid ?? zero,
        change.newOid ?? zero,
        change.path,
      ].join(' '),
    )
  }
  return lines
}

describe('diffTrees', () => {
  let scenario: Scenario
  beforeAll(async () => {
    scenario = await buildScenario()
  }, 60_000)
  afterAll(async () => {
    await scenario?.repo.dispose()
  })

  it('lists what git diff-tree lists, in its order, for every commit of the scenario', async () => {
    const { repo } = scenario
    const reader = isoObjectReader(repo.gitdir)
    const pairs: [string | null, string][] = [
      [null, scenario.root],
      [scenario.root, scenario.big],
      [scenario.big, scenario.side],
      [scenario.ours, scenario.merge],
    ]
    for (const [from, to] of pairs) {
      const changes = await diffTrees(reader, from && (await treeOf(repo, from)), await treeOf(repo, to))
      expect(ourRaw(changes)).toEqual(await gitRaw(repo, from ?? EMPTY_TREE, to))
    }
  })

  it('never reads a subtree that is the same on both sides, nor a submodule', async () => {
    const { repo } = scenario
    const { reader, reads } = recording(isoObjectReader(repo.gitdir))
    await diffTrees(reader, await treeOf(repo, scenario.root), await treeOf(repo, scenario.big))
    expect(reads).not.toContain(await repo.git('rev-parse', `${scenario.big}:untouched`))
    expect(reads).not.toContain('2222222222222222222222222222222222222222')
    expect(reads).not.toContain('1111111111111111111111111111111111111111')
    // Only trees are read: the root on both sides and the folders that changed.
    expect(new Set(reads).size).toBe(reads.length)
  })

  it('reads nothing but the two roots when only a file at the top changed', async () => {
    const { repo } = scenario
    const { reader, reads } = recording(isoObjectReader(repo.gitdir))
    const changes = await diffTrees(reader, await treeOf(repo, scenario.big), await treeOf(repo, scenario.ours))
    expect(changes.map((change) => change.path)).toEqual(['README.md'])
    expect(reads).toHaveLength(2)
  })

  it('stops with git_cancelled when the signal fires', async () => {
    const controller = new AbortController()
    controller.abort()
    const reader = isoObjectReader(scenario.repo.gitdir)
    await expect(
      diffTrees(reader, null, await treeOf(scenario.repo, scenario.big), controller.signal),
    ).rejects.toMatchObject({ code: 'git_cancelled' })
  })
})

describe('git path order', () => {
  let repo: DiffRepo
  afterEach(async () => {
    await repo?.dispose()
  })

  it('sorts folders as "name/" and names by their UTF-8 bytes', async () => {
    repo = await DiffRepo.create()
    // U+FF5E sorts before U+1F600 in UTF-8 bytes, after it in UTF-16 units.
    const names = ['a-b', 'a.txt', 'a/x', 'a0', 'b', 'é', 'ｚ/～', 'ｚ/😀', '～', '😀']
    for (const name of names) await repo.write(name, `${name}\n`)
    const first = await repo.commit('names')
    for (const name of names) await repo.write(name, `${name} changed\n`)
    await repo.remove('a')
    await repo.write('a', 'a file where a folder was\n')
    const second = await repo.commit('changed')
    const reader = isoObjectReader(repo.gitdir)
    const changes = await diffTrees(reader, await treeOf(repo, first), await treeOf(repo, second))
    expect(ourRaw(changes)).toEqual(await gitRaw(repo, first, second))
    expect(changes.map((change) => change.path)).toEqual([
      'a',
      'a-b',
      'a.txt',
      'a/x',
      'a0',
      'b',
      'é',
      'ｚ/～',
      'ｚ/😀',
      '～',
      '😀',
    ])
    expect(compareCodePoints('～', '😀')).toBeLessThan(0)
    expect('～' < '😀').toBe(false)
  })
})

describe('detectRenames', () => {
  let repo: DiffRepo
  afterEach(async () => {
    await repo?.dispose()
  })

  async function ours(from: string, to: string, renameLimit?: number): Promise<string[]> {
    const reader = isoObjectReader(repo.gitdir)
    const changes = await diffTrees(reader, await treeOf(repo, from), await treeOf(repo, to))
    const load = async (oid: string): Promise<Buffer> => (await reader.read(oid)).data
    const found = await detectRenames(changes, load, renameLimit === undefined ? {} : { renameLimit })
    return found.map((change) =>
      change.status === 'renamed'
        ? `R${String(change.similarity).padStart(3, '0')}\t${change.oldPath}\t${change.path}`
        : `${change.status[0]!.toUpperCase()}\t${change.path}`,
    )
  }

  it('prefers the source with the same base name among identical ones, then the first', async () => {
    repo = await DiffRepo.create()
    await repo.write('x/readme.txt', 'same content\n')
    await repo.write('y/other.txt', 'same content\n')
    await repo.write('m/one.txt', 'twin\n')
    await repo.write('n/two.txt', 'twin\n')
    await repo.write('solo.txt', 'copied twice\n')
    const first = await repo.commit('sources')
    await repo.remove('x')
    await repo.remove('y')
    await repo.remove('m')
    await repo.remove('n')
    await repo.remove('solo.txt')
    await repo.write('z/other.txt', 'same content\n')
    await repo.write('z/readme-2.txt', 'same content\n')
    await repo.write('p/three.txt', 'twin\n')
    await repo.write('q/a.txt', 'copied twice\n')
    await repo.write('q/b.txt', 'copied twice\n')
    const second = await repo.commit('moved')
    const found = await ours(first, second)
    expect(found).toEqual(await gitNameStatus(repo, first, second))
    expect(found).toContain('R100\ty/other.txt\tz/other.txt')
    expect(found).toContain('R100\tm/one.txt\tp/three.txt')
    expect(found).toContain('A\tq/b.txt')
  })

  it('pairs edited moves by base name, then by similarity, and only above 50%', async () => {
    repo = await DiffRepo.create()
    for (const name of ['alpha', 'beta', 'gamma', 'delta'])
      await repo.write(`old/${name}.js`, text(codeLines(name, 40)))
    await repo.write('old/tiny.txt', 'tiny\n')
    const first = await repo.commit('sources')
    await repo.remove('old')
    // Same base name, 85% kept: the base-name step.
    await repo.write('new/alpha.js', text([...codeLines('alpha', 34), ...codeLines('alphx', 6, 35)]))
    // Other names: the similarity matrix (beta 70% kept, gamma 40% kept: not a rename).
    await repo.write('new/second.js', text([...codeLines('beta', 28), ...codeLines('betx', 12, 29)]))
    await repo.write('new/third.js', text([...codeLines('gamma', 16), ...codeLines('gamx', 24, 17)]))
    // Two destinations close to delta: the closer one wins.
    await repo.write('new/delta-a.js', text([...codeLines('delta', 30), ...codeLines('deltx', 10, 31)]))
    await repo.write('new/delta-b.js', text([...codeLines('delta', 36), ...codeLines('delty', 4, 37)]))
    await repo.write('new/tiny.txt', 'tinier\n')
    const second = await repo.commit('moved with edits')
    const found = await ours(first, second)
    expect(found).toEqual(await gitNameStatus(repo, first, second))
    expect(found.filter((line) => line.startsWith('R'))).toHaveLength(3)
    expect(found.find((line) => line.endsWith('new/delta-b.js'))).toMatch(/^R09\d\told\/delta\.js/)
    expect(found).toContain('A\tnew/third.js')

    // Past the limit (here 2 x 2 pairs), git skips the similarity matrix; exact and base-name
    // renames still count.
    expect(await ours(first, second, 2)).toEqual(await gitNameStatus(repo, first, second, '-l2'))
    expect((await ours(first, second, 2)).filter((line) => line.startsWith('R'))).toHaveLength(1)
  })

  it('pairs binary files by content too, as git does, and a symlink only when exact', async () => {
    repo = await DiffRepo.create()
    const blob = Buffer.alloc(4000)
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) % 251
    await repo.write('img/a.bin', blob)
    await repo.link('links/to-a', 'img/a.bin')
    await repo.link('links/to-b', 'img/b.bin')
    const first = await repo.commit('binary and links')
    await repo.remove('img')
    const edited = Buffer.from(blob)
    edited.fill(7, 1000, 1400)
    await repo.write('pictures/renamed.bin', edited)
    await repo.remove('links')
    await repo.link('moved/to-a', 'img/a.bin')
    await repo.link('moved/to-b-edited', 'img/b2.bin')
    const second = await repo.commit('moved')
    const found = await ours(first, second)
    expect(found).toEqual(await gitNameStatus(repo, first, second))
    expect(found.find((line) => line.includes('pictures/renamed.bin'))).toMatch(/^R0[5-9]\d\timg\/a\.bin/)
    expect(found).toContain('R100\tlinks/to-a\tmoved/to-a')
    expect(found).toContain('A\tmoved/to-b-edited')
  })
})
