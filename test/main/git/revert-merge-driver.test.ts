/**
 * The revert's file merge against git's own (`git merge-file`, the same xdiff merge): on
 * generated edits (deletions, replacements, insertions, identical changes on both sides,
 * changes that touch or overlap, a last line without a newline) it conflicts exactly where git
 * does and otherwise writes git's bytes; a binary file changed on both sides is a conflict.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mergeFileContent } from '../../../src/main/git/merge-driver'
import { prng } from '../../helpers/git-history'
import { GIT_ENV, removeDir, tempDir } from './clone-helpers'

const exec = promisify(execFile)
let dir: string

beforeAll(async () => {
  dir = await tempDir('merge-driver')
})
afterAll(async () => {
  await removeDir(dir)
})

/** git merge-file's answer: the merged bytes, or null when it reports conflicts. */
async function gitMerge(base: Buffer, ours: Buffer, theirs: Buffer): Promise<Buffer | null> {
  const [o, b, t] = ['ours', 'base', 'theirs'].map((name) => path.join(dir, name)) as [string, string, string]
  await Promise.all([writeFile(o, ours), writeFile(b, base), writeFile(t, theirs)])
  try {
    await exec('git', ['merge-file', '-q', o, b, t], { env: GIT_ENV })
    return await readFile(o)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'number' && code > 0 && code < 128) return null
    throw error
  }
}

interface Case {
  readonly base: string[]
  readonly ours: string[]
  readonly theirs: string[]
}

/** A base of distinct lines and two sides edited from it, some edits shared. */
function generate(random: () => number, n: number): Case {
  const length = Math.floor(random() * 24)
  const base = Array.from({ length }, (_, i) => `base line ${i}\n`)
  const ours: string[] = []
  const theirs: string[] = []
  let fresh = 0
  const edit = (line: string, roll: number, out: string[], tag: string): void => {
    if (roll < 0.1) return
    if (roll < 0.2) out.push(`${tag} replaced ${fresh++}\n`)
    else if (roll < 0.3) out.push(`${tag} inserted ${fresh++}\n`, line)
    else out.push(line)
  }
  for (const line of base) {
    const roll = random()
    edit(line, roll, ours, `ours ${n}`)
    // Now and then the same change on both sides (git takes it once, no conflict).
    if (random() < 0.25) edit(line, roll, theirs, `ours ${n}`)
    else edit(line, random(), theirs, `theirs ${n}`)
  }
  if (random() < 0.2) ours.push(`ours tail ${n}\n`)
  if (random() < 0.2) theirs.push(`theirs tail ${n}\n`)
  // A last line without its newline on some sides.
  for (const side of [base, ours, theirs])
    if (side.length > 0 && random() < 0.1) side[side.length - 1] = (side.at(-1) as string).replace(/\n$/, '')
  return { base, ours, theirs }
}

describe('the revert’s file merge', () => {
  it('conflicts where git merge-file does, and otherwise merges to its bytes', async () => {
    const random = prng(11)
    let clean = 0
    let conflicts = 0
    for (let n = 0; n < 400; n++) {
      const c = generate(random, n)
      const [base, ours, theirs] = [c.base, c.ours, c.theirs].map((lines) => Buffer.from(lines.join(''))) as [
        Buffer,
        Buffer,
        Buffer,
      ]
      const expected = await gitMerge(base, ours, theirs)
      const actual = mergeFileContent(base, ours, theirs)
      if (expected === null) {
        expect(actual, `case ${n}: ${JSON.stringify(c)}`).toEqual({ conflict: 'changed on both sides' })
        conflicts++
      } else {
        expect('merged' in actual ? actual.merged.toString() : actual, `case ${n}: ${JSON.stringify(c)}`).toBe(
          expected.toString(),
        )
        clean++
      }
    }
    // Both outcomes were exercised many times.
    expect(clean).toBeGreaterThan(60)
    expect(conflicts).toBeGreaterThan(60)
  }, 60_000)

  it('calls touching changes a conflict, as git does, and takes identical changes once', async () => {
    const base = Buffer.from('a\nb\nc\nd\n')
    const touching = [Buffer.from('a\nB\nc\nd\n'), Buffer.from('a\nb\nC\nd\n')] as const
    expect(await gitMerge(base, ...touching)).toBeNull()
    expect(mergeFileContent(base, ...touching)).toEqual({ conflict: 'changed on both sides' })
    const same = Buffer.from('a\nB\nc\nd\n')
    expect(mergeFileContent(base, same, Buffer.from(same))).toEqual({ merged: same })
    const apart = [Buffer.from('A\nb\nc\nd\n'), Buffer.from('a\nb\nc\nD\n')] as const
    expect(mergeFileContent(base, ...apart)).toEqual({ merged: Buffer.from('A\nb\nc\nD\n') })
  })

  it('refuses to line-merge a binary file changed on both sides, even where the lines would merge', () => {
    const line = (text: string): string => `\u0000${text}\n`
    const base = Buffer.from(['one', 'two', 'three', 'four', 'five'].map(line).join(''), 'latin1')
    const ours = Buffer.from(['ONE', 'two', 'three', 'four', 'five'].map(line).join(''), 'latin1')
    const theirs = Buffer.from(['one', 'two', 'three', 'four', 'FIVE'].map(line).join(''), 'latin1')
    expect(mergeFileContent(base, ours, theirs)).toEqual({ conflict: 'binary file changed on both sides' })
  })
})
