/**
 * The pack reader against native git: every object of repositories packed in the ways git
 * packs them (deep delta chains, `gc --aggressive`, REF_DELTA, 64-bit offsets, loose and packed
 * together, alternates) must read back with the type and bytes `git cat-file --batch` gives.
 * A few packs are written by hand, for what git will not write (a delta whose base is in
 * another pack or loose), and damaged files must fail with the codes the page branches on.
 */
import { createHash } from 'node:crypto'
import { appendFile, chmod, copyFile, cp, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { deflateSync, crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitError } from '../../../src/main/git/git-error'
import { openPackReader, type PackObjectReader } from '../../../src/main/git/pack-reader'
import { generateRepo, git, gitBuffer, tempDir } from '../../helpers/git-history'

let root: string

beforeAll(async () => {
  root = await tempDir('pack-reader')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

interface Expected {
  readonly oid: string
  readonly type: string
  readonly data: Buffer
}

/** Every object of the repository (alternates included) as `git cat-file --batch` prints it. */
async function allObjects(gitdir: string): Promise<Expected[]> {
  const out = await gitBuffer(gitdir, ['cat-file', '--batch-all-objects', '--unordered', '--batch'])
  const objects: Expected[] = []
  let at = 0
  while (at < out.length) {
    const newline = out.indexOf(10, at)
    const [oid, type, size] = out.toString('latin1', at, newline).split(' ')
    const start = newline + 1
    objects.push({ oid: oid as string, type: type as string, data: out.subarray(start, start + Number(size)) })
    at = start + Number(size) + 1
  }
  return objects
}

/** Reads every object through a new reader and compares it with git's. */
async function expectSameAsGit(gitdir: string): Promise<number> {
  const expected = await allObjects(gitdir)
  const reader = await openPackReader(gitdir)
  try {
    const wrong: string[] = []
    for (const object of expected) {
      const got = await reader.read(object.oid)
      if (got.type !== object.type || !got.data.equals(object.data)) wrong.push(`${object.oid} ${object.type}`)
    }
    expect(wrong).toEqual([])
    return expected.length
  } finally {
    reader.close()
  }
}

async function packFiles(gitdir: string, ext: string): Promise<string[]> {
  const dir = path.join(gitdir, 'objects', 'pack')
  return (await readdir(dir)).filter((name) => name.endsWith(ext)).map((name) => path.join(dir, name))
}

async function looseCount(gitdir: string): Promise<number> {
  const counts = await git(gitdir, 'count-objects', '-v')
  return Number(/^count: (\d+)$/m.exec(counts)?.[1])
}

/** How many objects `git verify-pack` reports at each delta chain length. */
async function chainLengths(gitdir: string): Promise<Map<number, number>> {
  const [idx] = await packFiles(gitdir, '.idx')
  const out = await git(gitdir, 'verify-pack', '-s', idx as string)
  const chains = new Map<number, number>()
  for (const match of out.matchAll(/chain length = (\d+): (\d+) objects?/g))
    chains.set(Number(match[1]), Number(match[2]))
  return chains
}

/** How many entries of each pack type code (1-4 whole objects, 6 OFS_DELTA, 7 REF_DELTA) the pack holds. */
async function entryTypes(gitdir: string): Promise<Map<number, number>> {
  const [idx] = await packFiles(gitdir, '.idx')
  const pack = await readFile((idx as string).replace(/\.idx$/, '.pack'))
  const types = new Map<number, number>()
  for (const row of (await git(gitdir, 'verify-pack', '-v', idx as string)).split('\n')) {
    const fields = row.trim().split(/\s+/)
    if (!/^[0-9a-f]{40}$/.test(fields[0] ?? '') || fields.length < 5) continue
    const type = ((pack[Number(fields[4])] as number) >> 4) & 7
    types.set(type, (types.get(type) ?? 0) + 1)
  }
  return types
}

async function expectGitError(work: Promise<unknown>, code: string): Promise<GitError> {
  const error = await work.then(
    () => null,
    (failure: unknown) => failure,
  )
  expect(error).toBeInstanceOf(GitError)
  expect((error as GitError).code).toBe(code)
  return error as GitError
}

const small = { commits: 150, files: 40, mergeEvery: 7, sameSecondRuns: 3, seed: 11 }

describe('packs as git writes them', () => {
  it('reads every object of a pack with deep delta chains', async () => {
    const { gitdir } = await generateRepo(path.join(root, 'deep'), { ...small, bare: true })
    await git(gitdir, 'repack', '-adfq', '--depth=50', '--window=250')
    const chains = await chainLengths(gitdir)
    expect(Math.max(...chains.keys())).toBeGreaterThanOrEqual(20)
    expect((await entryTypes(gitdir)).get(6)).toBeGreaterThan(100)
    expect(await looseCount(gitdir)).toBe(0)
    expect(await expectSameAsGit(gitdir)).toBeGreaterThan(500)
  })

  it('reads a pack made by gc --aggressive', async () => {
    const { gitdir } = await generateRepo(path.join(root, 'aggressive'), { ...small, seed: 12, bare: true })
    await git(gitdir, 'gc', '-q', '--aggressive')
    expect((await chainLengths(gitdir)).size).toBeGreaterThan(5)
    await expectSameAsGit(gitdir)
  })

  it('reads REF_DELTA entries (a pack written without offset deltas)', async () => {
    const { gitdir } = await generateRepo(path.join(root, 'ref-delta'), { ...small, seed: 13, bare: true })
    await git(gitdir, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adfq', '--depth=20')
    expect((await chainLengths(gitdir)).size).toBeGreaterThan(5)
    const types = await entryTypes(gitdir)
    expect(types.get(7)).toBeGreaterThan(100)
    expect(types.has(6)).toBe(false)
    await expectSameAsGit(gitdir)
  })

  it('reads an index whose offsets are all in the 64-bit table', async () => {
    const { gitdir } = await generateRepo(path.join(root, 'large'), { ...small, seed: 14, bare: true })
    await git(gitdir, 'repack', '-adq')
    const [pack] = await packFiles(gitdir, '.pack')
    const idx = (pack as string).replace(/\.pack$/, '.idx')
    const before = (await readFile(idx)).length
    await rm(idx, { force: true })
    // git's test hook: 64-bit entries for every object above offset 12 (all but the first).
    await git(gitdir, 'index-pack', '--index-version=2,12', '-o', idx, pack as string)
    const count = Number(await git(gitdir, 'rev-list', '--all', '--objects', '--count'))
    expect((await readFile(idx)).length - before).toBe((count - 1) * 8)
    await expectSameAsGit(gitdir)
  })

  it('reads loose and packed objects together', async () => {
    const dir = path.join(root, 'mixed')
    const { gitdir } = await generateRepo(dir, { ...small, seed: 15 })
    await git(dir, 'repack', '-adq')
    for (let i = 0; i < 3; i += 1) {
      await appendFile(path.join(dir, 'src', 'm00', 'f0.php'), `loose line ${i}\n`)
      await writeFile(path.join(dir, `loose-${i}.bin`), Buffer.from([0, 1, 2, i]))
      await git(dir, 'add', '-A')
      await git(dir, 'commit', '-qm', `Loose commit ${i}`)
    }
    expect(await looseCount(gitdir)).toBeGreaterThanOrEqual(9)
    await expectSameAsGit(gitdir)
  })

  it('follows objects/info/alternates', async () => {
    const origin = path.join(root, 'alt-origin')
    await generateRepo(origin, { ...small, seed: 16 })
    await git(origin, 'repack', '-adq')
    const clone = path.join(root, 'alt-clone')
    await git(root, 'clone', '-q', '--shared', origin, clone)
    await appendFile(path.join(clone, 'README.md'), 'only in the clone\n')
    await git(clone, 'add', 'README.md')
    await git(clone, 'commit', '-qm', 'Only in the clone')
    const alternates = await readFile(path.join(clone, '.git', 'objects', 'info', 'alternates'), 'utf8')
    expect(alternates.trim()).toBe(path.join(origin, '.git', 'objects'))
    expect((await packFiles(path.join(clone, '.git'), '.pack')).length).toBe(0)
    await expectSameAsGit(path.join(clone, '.git'))
  })
})

/** A pack and index written by hand (git's formats), for entries git itself would not write. */
async function writePack(
  gitdir: string,
  entries: readonly { readonly oid: string; readonly raw: Buffer }[],
  options: { allLarge?: boolean } = {},
): Promise<string> {
  const parts: Buffer[] = []
  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'latin1')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(entries.length, 8)
  parts.push(header)
  let offset = 12
  const placed = entries.map((entry) => {
    const at = offset
    parts.push(entry.raw)
    offset += entry.raw.length
    return { oid: entry.oid, offset: at, crc: crc32(entry.raw) }
  })
  const body = Buffer.concat(parts)
  const packSum = createHash('sha1').update(body).digest()
  const pack = Buffer.concat([body, packSum])

  placed.sort((a, b) => a.oid.localeCompare(b.oid))
  const fanout = Buffer.alloc(1024)
  for (let byte = 0; byte < 256; byte += 1)
    fanout.writeUInt32BE(placed.filter((entry) => parseInt(entry.oid.slice(0, 2), 16) <= byte).length, byte * 4)
  const ids = Buffer.concat(placed.map((entry) => Buffer.from(entry.oid, 'hex')))
  const crcs = Buffer.alloc(placed.length * 4)
  const offsets = Buffer.alloc(placed.length * 4)
  // git reads at most n - 1 entries of the 64-bit table (it would refuse more): the first
  // entry after the header keeps its 32-bit offset.
  const larges: Buffer[] = []
  placed.forEach((entry, i) => {
    crcs.writeUInt32BE(entry.crc, i * 4)
    if (options.allLarge && entry.offset > 12) {
      offsets.writeUInt32BE((0x80000000 | larges.length) >>> 0, i * 4)
      const wide = Buffer.alloc(8)
      wide.writeUInt32BE(entry.offset, 4)
      larges.push(wide)
    } else offsets.writeUInt32BE(entry.offset, i * 4)
  })
  const large = Buffer.concat(larges)
  const idxBody = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    ids,
    crcs,
    offsets,
    large,
    packSum,
  ])
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()])
  const name = `pack-${packSum.toString('hex')}`
  const dir = path.join(gitdir, 'objects', 'pack')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, `${name}.pack`), pack)
  await writeFile(path.join(dir, `${name}.idx`), idx)
  return name
}

function entryHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 15)]
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) | 0x80
    bytes.push(rest & 0x7f)
    rest = Math.floor(rest / 128)
  }
  return Buffer.from(bytes)
}

function varint(value: number): Buffer {
  const bytes: number[] = []
  let rest = value
  do {
    bytes.push((rest & 0x7f) | (rest >= 128 ? 0x80 : 0))
    rest = Math.floor(rest / 128)
  } while (rest > 0)
  return Buffer.from(bytes)
}

const blobId = (data: Buffer): string =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data]))
    .digest('hex')

const wholeBlob = (data: Buffer) => ({
  oid: blobId(data),
  raw: Buffer.concat([entryHeader(3, data.length), deflateSync(data)]),
})

/** A REF_DELTA entry turning `base` into `base + extra`: copy the base, insert the extra. */
function refDelta(base: Buffer, extra: Buffer) {
  const copy = Buffer.from([0x80 | 0x10 | 0x20, base.length & 0xff, base.length >> 8])
  const delta = Buffer.concat([
    varint(base.length),
    varint(base.length + extra.length),
    copy,
    Buffer.from([extra.length]),
    extra,
  ])
  const result = Buffer.concat([base, extra])
  return {
    oid: blobId(result),
    result,
    raw: Buffer.concat([entryHeader(7, delta.length), Buffer.from(blobId(base), 'hex'), deflateSync(delta)]),
  }
}

describe('packs written by hand', () => {
  it('resolves REF_DELTA bases in the same pack, in another pack and loose, through 64-bit offsets', async () => {
    const gitdir = path.join(root, 'crafted')
    await git(root, 'init', '-q', '--bare', gitdir)
    const inOther = Buffer.from('a base in another pack\n'.repeat(20))
    await writePack(gitdir, [wholeBlob(inOther)])
    const loose = Buffer.from('a loose base\n'.repeat(20))
    const looseId = (await gitBuffer(gitdir, ['hash-object', '-w', '--stdin'], { input: loose })).toString().trim()
    expect(looseId).toBe(blobId(loose))

    const inSame = Buffer.from('a base in the same pack\n'.repeat(20))
    const sameDelta = refDelta(inSame, Buffer.from('same\n'))
    const otherDelta = refDelta(inOther, Buffer.from('other\n'))
    const looseDelta = refDelta(loose, Buffer.from('loose\n'))
    await writePack(gitdir, [wholeBlob(inSame), sameDelta, otherDelta, looseDelta], { allLarge: true })
    // git reads the hand-written pack's in-pack delta too, so the format is right.
    expect(await git(gitdir, 'cat-file', '-p', sameDelta.oid)).toBe(sameDelta.result.toString().trimEnd())

    const reader = await openPackReader(gitdir)
    try {
      for (const delta of [sameDelta, otherDelta, looseDelta]) {
        const got = await reader.read(delta.oid)
        expect(got.type).toBe('blob')
        expect(got.data.equals(delta.result)).toBe(true)
      }
      expect((await reader.read(blobId(inOther))).data.equals(inOther)).toBe(true)
    } finally {
      reader.close()
    }
  })
})

describe('failures', () => {
  let gitdir: string
  let pristine: string

  beforeAll(async () => {
    ;({ gitdir } = await generateRepo(path.join(root, 'failures'), { ...small, commits: 40, seed: 21, bare: true }))
    await git(gitdir, 'repack', '-adq')
    pristine = path.join(root, 'failures-pristine')
    await cp(gitdir, pristine, { recursive: true })
  })

  async function fresh(): Promise<string> {
    await rm(gitdir, { recursive: true, force: true })
    await cp(pristine, gitdir, { recursive: true })
    return gitdir
  }

  it('answers git_missing_object for an id the repository lacks, and has() says so', async () => {
    const reader = await openPackReader(await fresh())
    try {
      const head = await git(gitdir, 'rev-parse', 'HEAD')
      expect(await reader.has(head)).toBe(true)
      expect(await reader.has('0'.repeat(40))).toBe(false)
      const error = await expectGitError(reader.read('0123456789'.repeat(4)), 'git_missing_object')
      expect(error.message).toContain('0123456789')
      expect(error.message).toMatch(/Fetch the history again/)
      await expectGitError(reader.read('not an id'), 'git_missing_object')
      expect(await reader.has('not an id')).toBe(false)
    } finally {
      reader.close()
    }
  })

  it('refuses a version 1 index with git_corrupt', async () => {
    const dir = await fresh()
    const [pack] = await packFiles(dir, '.pack')
    const idx = (pack as string).replace(/\.pack$/, '.idx')
    await rm(idx)
    await git(dir, 'index-pack', '--index-version=1', '-o', idx, pack as string)
    const error = await expectGitError(openPackReader(dir), 'git_corrupt')
    expect(error.message).toMatch(/version 1/)
    expect(error.message).toMatch(/delete it and fetch the history again/)
  })

  it('refuses a pack cut short, or one that does not match its index', async () => {
    const dir = await fresh()
    const [pack] = await packFiles(dir, '.pack')
    const bytes = await readFile(pack as string)
    await chmod(pack as string, 0o644)
    await writeFile(pack as string, bytes.subarray(0, bytes.length - 100))
    await expectGitError(openPackReader(dir), 'git_corrupt')
    await writeFile(pack as string, Buffer.from('not a pack at all, not at all, no'))
    await expectGitError(openPackReader(dir), 'git_corrupt')
  })

  it('answers git_corrupt for an object whose compressed data is damaged', async () => {
    const dir = await fresh()
    const head = await git(dir, 'rev-parse', 'HEAD')
    const [idx] = await packFiles(dir, '.idx')
    const listing = await git(dir, 'verify-pack', '-v', idx as string)
    const line = listing.split('\n').find((row) => row.startsWith(`${head} `)) as string
    const offset = Number(line.trim().split(/\s+/)[4])
    const pack = (idx as string).replace(/\.idx$/, '.pack')
    const bytes = await readFile(pack)
    // Past the entry's header (a byte or two) into the zlib stream's body.
    bytes[offset + 6] = (bytes[offset + 6] as number) ^ 0xff
    bytes[offset + 7] = (bytes[offset + 7] as number) ^ 0xff
    await chmod(pack, 0o644)
    await writeFile(pack, bytes)
    const reader = await openPackReader(dir)
    try {
      const error = await expectGitError(reader.read(head), 'git_corrupt')
      expect(error.message).toMatch(/damaged/)
    } finally {
      reader.close()
    }
  })

  it('answers git_corrupt for a damaged loose object', async () => {
    const dir = await fresh()
    const oid = (await gitBuffer(dir, ['hash-object', '-w', '--stdin'], { input: 'to be damaged\n' })).toString().trim()
    const file = path.join(dir, 'objects', oid.slice(0, 2), oid.slice(2))
    await chmod(file, 0o644)
    await writeFile(file, Buffer.from('garbage that does not inflate'))
    const reader = await openPackReader(dir)
    try {
      await expectGitError(reader.read(oid), 'git_corrupt')
    } finally {
      reader.close()
    }
  })
})

describe('refresh', () => {
  /** The pack files this process holds open, by name, with whether they were deleted. */
  async function openPacks(): Promise<string[]> {
    const names: string[] = []
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
      if (target.includes(`${path.sep}refresh${path.sep}`) && target.includes('.pack')) names.push(target)
    }
    return names
  }

  it.runIf(process.platform === 'linux')('sees packs a fetch added and closes packs that went away', async () => {
    const dir = path.join(root, 'refresh')
    const { gitdir } = await generateRepo(dir, { ...small, commits: 30, seed: 31 })
    await git(dir, 'repack', '-adq')
    const reader: PackObjectReader = await openPackReader(gitdir)
    try {
      const before = await openPacks()
      expect(before).toHaveLength(1)
      await appendFile(path.join(dir, 'README.md'), 'after the reader opened\n')
      await git(dir, 'add', 'README.md')
      await git(dir, 'commit', '-qm', 'After the reader opened')
      await git(dir, 'repack', '-adq')
      const head = await git(dir, 'rev-parse', 'HEAD')
      // The old pack was deleted but its fd still reads it; the new commit is only in the new pack.
      expect((await openPacks()).every((name) => name.endsWith('(deleted)'))).toBe(true)
      await reader.refresh()
      const after = await openPacks()
      expect(after).toHaveLength(1)
      expect(after[0]).not.toMatch(/deleted/)
      expect((await reader.read(head)).type).toBe('commit')
      // A pack appearing without refresh() is found on a miss, as git rescans.
      await copyFile(path.join(dir, 'README.md'), path.join(dir, 'README2.md'))
      await git(dir, 'add', 'README2.md')
      await git(dir, 'commit', '-qm', 'Another')
      await git(dir, 'repack', '-adq')
      expect((await reader.read(await git(dir, 'rev-parse', 'HEAD'))).type).toBe('commit')
    } finally {
      reader.close()
    }
    expect(await openPacks()).toEqual([])
    await expectGitError(reader.read('0'.repeat(40)), 'git_worker')
  })
})
