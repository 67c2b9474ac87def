/**
 * One file's diff against native git: +/- counts equal `git diff --numstat`, hunks equal
 * `git diff -U3` (headers, context, line ends, "\ No newline at end of file", where git places a
 * block), git's binary rule, and the caps of a commit's detail with "Show all" giving the whole.
 */
import { plainRow } from '../../../src/main/git/standing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitDetail, fileDiff } from '../../../src/main/git/commit-detail'
import {
  BINARY_PROBE_BYTES,
  COMMIT_DIFF_LINE_LIMIT,
  FILE_DIFF_LINE_LIMIT,
  diffText,
  isBinaryContent,
} from '../../../src/main/git/file-diff'
import { splitLines } from '../../../src/main/git/line-diff'
import { isoObjectReader } from '../../../src/main/git/objects'
import type { DiffHunk, FileChange } from '../../../src/shared/history'
import { DiffRepo, gitNumstat, gitPatches, ourNumstat, renderHunks } from './support/diff-repo'
import { codeLines, text } from './support/diff-scenario'

const decorate = plainRow

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x80000000
  }
}

/** Applies complete hunks to the old text: what a correct diff must give back is the new text. */
function applyHunks(before: string, hunks: readonly DiffHunk[]): string {
  const lines = splitLines(Buffer.from(before, 'latin1'))
  const out: string[] = []
  let at = 0
  for (const hunk of hunks) {
    const start = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1
    out.push(...lines.slice(at, start))
    at = start
    for (const line of hunk.lines) {
      const full = Buffer.from(line.text, 'utf8').toString('latin1') + (line.noNewline ? '' : '\n')
      if (line.kind !== '+') {
        expect(lines[at]).toBe(full)
        at++
      }
      if (line.kind !== '-') out.push(full)
    }
  }
  out.push(...lines.slice(at))
  return out.join('')
}

/** Source-like files: a class of methods, some with nested blocks, then typical edits. */
function generatedPair(next: () => number, serial: { n: number }): [string, string] {
  const method = (): string[] => {
    const name = `method${serial.n++}`
    const body: string[] = []
    for (let i = 0, count = 1 + Math.floor(next() * 5); i < count; i++)
      if (next() < 0.3) body.push('    if (ready) {', `      return ${i}`, '    }')
      else body.push(`    const value${i} = ${Math.floor(next() * 100)}`)
    return [`  ${name}() {`, ...body, '  }', '']
  }
  const methods = Array.from({ length: 2 + Math.floor(next() * 6) }, method)
  const edited = methods.map((lines) => [...lines])
  for (let k = 0, edits = 1 + Math.floor(next() * 3); k < edits; k++) {
    const kind = next()
    const at = Math.floor(next() * edited.length)
    const target = edited[at]!
    if (kind < 0.3) edited.splice(at, 0, method())
    else if (kind < 0.5 && edited.length > 1) edited.splice(at, 1)
    else if (kind < 0.75) target.splice(target.length - 2, 0, `    extra${k}()`)
    else target.splice(1, 0, '    if (waiting) {', `      return ${k}`, '    }')
  }
  return [text(['class Sample {', ...methods.flat(), '}']), text(['class Sample {', ...edited.flat(), '}'])]
}

describe('isBinaryContent', () => {
  it('is git rule: a NUL in the first 8,000 bytes', () => {
    const at = (index: number): Buffer => {
      const data = Buffer.alloc(BINARY_PROBE_BYTES + 100, 0x61)
      data[index] = 0
      return data
    }
    expect(isBinaryContent(at(0))).toBe(true)
    expect(isBinaryContent(at(BINARY_PROBE_BYTES - 1))).toBe(true)
    expect(isBinaryContent(at(BINARY_PROBE_BYTES))).toBe(false)
    expect(isBinaryContent(Buffer.from('plain text\n'))).toBe(false)
  })
})

describe('diffText', () => {
  it('counts a last line gaining or losing its newline as a changed line', () => {
    expect(diffText(Buffer.from('a\nb'), Buffer.from('a\nb\n'))).toMatchObject({ added: 1, removed: 1 })
    expect(diffText(Buffer.from('a\r\nb\r\n'), Buffer.from('a\nb\r\n'))).toMatchObject({ added: 1, removed: 1 })
    expect(diffText(Buffer.from(''), Buffer.from(''))).toMatchObject({ added: 0, removed: 0, hunks: [] })
  })

  it('gives the first lines of the diff and says it is cut when over the budget', () => {
    const before = Buffer.from(text(codeLines('before', 300)))
    const after = Buffer.from(text(codeLines('after', 300)))
    const whole = diffText(before, after)
    const cut = diffText(before, after, 250)
    expect(whole).toMatchObject({ cut: false, added: 240, removed: 240 })
    expect(cut).toMatchObject({ cut: true, shown: 250, added: 240, removed: 240 })
    expect(cut.hunks.flatMap((hunk) => hunk.lines)).toEqual(whole.hunks.flatMap((hunk) => hunk.lines).slice(0, 250))
    const [first] = cut.hunks
    expect(first?.lines.filter((line) => line.kind !== '+')).toHaveLength(first?.oldLines ?? -1)
    expect(first?.lines.filter((line) => line.kind !== '-')).toHaveLength(first?.newLines ?? -1)
  })
})

describe('against git diff -U3 and --numstat', () => {
  let repo: DiffRepo
  const reader = (): ReturnType<typeof isoObjectReader> => isoObjectReader(repo.gitdir)
  beforeAll(async () => {
    repo = await DiffRepo.create()
  })
  afterAll(async () => {
    await repo?.dispose()
  })

  async function compare(before: Record<string, string | Buffer>, after: Record<string, string | Buffer>) {
    for (const [file, content] of Object.entries(before)) await repo.write(file, content)
    const from = await repo.commit('before')
    for (const file of Object.keys(before)) if (!Object.hasOwn(after, file)) await repo.remove(file)
    for (const [file, content] of Object.entries(after)) await repo.write(file, content)
    const to = await repo.commit('after')
    const detail = await commitDetail(reader(), to, decorate)
    return { from, to, detail, numstat: await gitNumstat(repo, from, to), patches: await gitPatches(repo, from, to) }
  }

  const ours = (files: readonly FileChange[]): (string | null)[] =>
    files.map((file) => (file.hunks && file.hunks.length > 0 ? renderHunks(file.hunks) : null))

  it('matches git on edits at the ends, line ends, end of file, joined and separate hunks', async () => {
    const base = codeLines('base', 40)
    const withGap = (gap: number): string[] => {
      const lines = [...base]
      lines[10] = 'first change'
      lines[10 + gap + 1] = 'second change'
      return lines
    }
    const { detail, numstat, patches } = await compare(
      {
        'ends.txt': text(base),
        'eof-add.txt': 'one\ntwo',
        'eof-drop.txt': 'one\ntwo\n',
        'eof-both.txt': 'one\ntwo',
        'eof-context.txt': text(base).slice(0, -1),
        'crlf.txt': text(base, '\r\n'),
        'gap6.txt': text(base),
        'gap7.txt': text(base),
        'emptied.txt': text(base.slice(0, 5)),
        'filled.txt': '',
        'tabs.txt': '\tindented\n\t\tdeeper\nend\n',
        'utf8.txt': 'größe\nnaïve café\n日本語\n',
        'latin1.txt': Buffer.from('caf\xe9\nna\xefve\n', 'latin1'),
      },
      {
        'ends.txt': text(['new first line', ...base.slice(1, -1), 'new last line']),
        'eof-add.txt': 'one\ntwo\n',
        'eof-drop.txt': 'one\ntwo',
        'eof-both.txt': 'one\nTWO',
        'eof-context.txt': text(['changed first', ...base.slice(1)]).slice(0, -1),
        'crlf.txt': text(['changed', ...base.slice(1)], '\r\n'),
        'gap6.txt': text(withGap(6)),
        'gap7.txt': text(withGap(7)),
        'emptied.txt': '',
        'filled.txt': text(base.slice(0, 5)),
        'tabs.txt': '\tindented\n\t\tdeeper still\nend\n',
        'utf8.txt': 'größe\nnaïve café au lait\n日本語\n',
        'latin1.txt': Buffer.from('caf\xe9\nna\xefve!\n', 'latin1'),
      },
    )
    expect(ourNumstat(detail.files)).toEqual(numstat)
    expect(ours(detail.files)).toEqual(patches)
    const hunksOf = (path: string) => detail.files.find((file) => file.path === path)?.hunks
    expect(hunksOf('gap6.txt')).toHaveLength(1)
    expect(hunksOf('gap7.txt')).toHaveLength(2)
    expect(hunksOf('emptied.txt')?.[0]).toMatchObject({ oldStart: 1, oldLines: 5, newStart: 0, newLines: 0 })
    expect(hunksOf('filled.txt')?.[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 5 })
    expect(hunksOf('eof-context.txt')?.[0]?.lines.at(-1)?.noNewline).toBeUndefined()
    expect(hunksOf('utf8.txt')?.[0]?.lines.find((line) => line.kind === '+')?.text).toBe('naïve café au lait')
  })

  it('places an added or deleted function where git does (its indent heuristic)', async () => {
    const method = (name: string): string[] => [`  ${name}() {`, `    return '${name}'`, '  }', '']
    const before = ['class Shapes {', ...method('circle'), ...method('square'), ...method('star'), '}']
    const deleted = ['class Shapes {', ...method('circle'), ...method('star'), '}']
    const added = [
      'class Shapes {',
      ...method('circle'),
      ...method('square'),
      ...method('oval'),
      ...method('star'),
      '}',
    ]
    const { detail, patches } = await compare(
      { 'deleted.js': text(before), 'added.js': text(before) },
      { 'deleted.js': text(deleted), 'added.js': text(added) },
    )
    expect(ours(detail.files)).toEqual(patches)
    const removed = detail.files.find((file) => file.path === 'deleted.js')?.hunks?.[0]?.lines
    expect(removed?.filter((line) => line.kind === '-').map((line) => line.text)).toEqual(method('square'))
  })

  it('matches git on generated source files with typical edits', async () => {
    const next = random(20_240_601)
    const serial = { n: 0 }
    const before: Record<string, string> = {}
    const after: Record<string, string> = {}
    for (let i = 0; i < 60; i++) {
      const [old, edited] = generatedPair(next, serial)
      before[`generated/file-${String(i).padStart(2, '0')}.js`] = old
      after[`generated/file-${String(i).padStart(2, '0')}.js`] = edited
    }
    const { detail, numstat, patches } = await compare(before, after)
    expect(ourNumstat(detail.files)).toEqual(numstat)
    const rendered = ours(detail.files)
    const same = rendered.filter((patch, i) => patch === patches[i]).length
    // Where several lines are equal, jsdiff may pair other ones than git's Myers; rare, and
    // still a correct diff of the same size (checked by applying it).
    expect(same).toBeGreaterThanOrEqual(detail.files.length - 2)
    for (const file of detail.files) expect(applyHunks(before[file.path]!, file.hunks ?? [])).toBe(after[file.path])
  })

  it('cuts a long file diff and the commit total, and gives the whole file on request', async () => {
    const long = (name: string, count: number): string => text(codeLines(name, count))
    const before: Record<string, string> = {}
    const after: Record<string, string> = {}
    // Six rewritten files of 2,000 lines (about 4,000 diff lines each, cut to 2,000): the
    // commit's 10,000 lines run out with the fifth file, and the sixth gets none.
    for (let i = 0; i < 6; i++) {
      before[`big/${i}.txt`] = long(`old${i}-`, 2000)
      after[`big/${i}.txt`] = long(`new${i}-`, 2000)
    }
    before['small.txt'] = 'a\n'
    after['small.txt'] = 'b\n'
    const { to, detail, numstat, patches } = await compare(before, after)
    expect(ourNumstat(detail.files)).toEqual(numstat)
    const shown = detail.files.map((file) => file.hunks?.reduce((sum, hunk) => sum + hunk.lines.length, 0) ?? null)
    expect(shown).toEqual([
      FILE_DIFF_LINE_LIMIT,
      FILE_DIFF_LINE_LIMIT,
      FILE_DIFF_LINE_LIMIT,
      FILE_DIFF_LINE_LIMIT,
      COMMIT_DIFF_LINE_LIMIT - 4 * FILE_DIFF_LINE_LIMIT,
      null,
      null,
    ])
    expect(detail.files.map((file) => file.cut)).toEqual([true, true, true, true, true, true, true])
    // A cut diff is the first lines of the whole one, which is git's.
    const first = await fileDiff(reader(), to, 'big/0.txt')
    expect(renderHunks(first.change.hunks!)).toBe(patches[0])
    const lines = (file: FileChange) => (file.hunks ?? []).flatMap((hunk) => hunk.lines)
    expect(lines(detail.files[0]!)).toEqual(lines(first.change).slice(0, FILE_DIFF_LINE_LIMIT))

    const whole = await fileDiff(reader(), to, 'big/5.txt')
    // Git counts the rewritten file's blank lines and lone braces as changed too: 1,998, where
    // the shortest edit script would keep them and say 1,800.
    expect(whole.change).toMatchObject({ cut: false, added: 1998, removed: 1998 })
    expect(renderHunks(whole.change.hunks!)).toBe(patches[5])
    const small = await fileDiff(reader(), to, 'small.txt')
    expect(small.change).toMatchObject({ added: 1, removed: 1, cut: false })
    expect(renderHunks(small.change.hunks!)).toBe(patches[6])
  })

  it('calls a file binary by git rule on either side, with no counts', async () => {
    const textual = Buffer.alloc(BINARY_PROBE_BYTES + 50, 0x61)
    textual[BINARY_PROBE_BYTES + 10] = 0
    const binary = Buffer.from(textual)
    binary[BINARY_PROBE_BYTES - 1] = 0
    const { detail, numstat } = await compare(
      { 'late-nul.txt': textual, 'becomes-binary.txt': 'text\n', 'stays.bin': binary },
      {
        'late-nul.txt': Buffer.concat([textual, Buffer.from('\nmore\n')]),
        'becomes-binary.txt': binary,
        'stays.bin': Buffer.concat([binary, Buffer.from('x')]),
      },
    )
    expect(ourNumstat(detail.files)).toEqual(numstat)
    expect(detail.files.map((file) => [file.path, file.binary])).toEqual([
      ['becomes-binary.txt', true],
      ['late-nul.txt', false],
      ['stays.bin', true],
    ])
  })
})
