import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ArchiveError, createArchiveCheck, type ArchiveCheckOptions } from '../../../src/lib/archives'
import { header, tarBytes, tarGzBytes, type CraftedEntry } from './craft'

/** Feeds `parts` in order (waiting when asked to), then finishes; returns the result or the error. */
async function feed(options: ArchiveCheckOptions, parts: readonly Buffer[]) {
  const check = createArchiveCheck(options)
  for (const part of parts) if (!check.write(part)) await check.drained()
  return check.finish()
}

async function refusal(options: ArchiveCheckOptions, parts: readonly Buffer[]): Promise<ArchiveError> {
  const error = await feed(options, parts).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ArchiveError)
  return error as ArchiveError
}

const TAR_GZ = { kind: 'tar.gz' } as const

const SMALL: CraftedEntry[] = [
  { name: 'top/', flag: '5' },
  { name: 'top/a.txt', data: 'alpha\n' },
  { name: 'top/sub/b.bin', data: randomBytes(700) },
  { name: 'top/empty.txt', data: '' },
]
const SMALL_SUMMARY = { files: 3, dirs: 2, totalSize: 706, topFolders: ['top'] }

describe('createArchiveCheck, tar.gz', () => {
  it('reads the listing and both sizes in one pass', async () => {
    const raw = tarBytes(SMALL)
    const gz = gzipSync(raw)
    expect(await feed(TAR_GZ, [gz])).toEqual({
      kind: 'tar.gz',
      bytes: gz.length,
      uncompressedBytes: raw.length,
      tar: SMALL_SUMMARY,
    })
  })

  it('gives the same answer wherever the pieces are cut, down to one byte at a time', async () => {
    const gz = tarGzBytes(SMALL)
    for (let cut = 0; cut <= gz.length; cut += 1) {
      const result = await feed(TAR_GZ, [gz.subarray(0, cut), gz.subarray(cut)])
      expect(result.tar, `cut at ${cut}`).toEqual(SMALL_SUMMARY)
    }
    const bytes = Array.from({ length: gz.length }, (_, i) => gz.subarray(i, i + 1))
    expect((await feed(TAR_GZ, bytes)).tar).toEqual(SMALL_SUMMARY)
  })

  it('calls a gzip cut at any position truncated (or empty, or not gzip for a lone first byte)', async () => {
    const gz = tarGzBytes(SMALL)
    for (let cut = 0; cut < gz.length; cut += 1) {
      const error = await refusal(TAR_GZ, [gz.subarray(0, cut)])
      const expected = cut === 0 ? 'empty' : cut === 1 ? 'not_gzip' : 'truncated_gzip'
      expect(error.code, `cut at ${cut}`).toBe(expected)
    }
  })

  it('calls a tar cut inside a block or an entry bad_tar, inside a whole gzip', async () => {
    const raw = tarBytes(SMALL)
    const endBlock = raw.length - 1024 // the first zero block: the archive ends once it is whole
    const cuts = Array.from({ length: raw.length - 1 }, (_, i) => i + 1)
    const results = await Promise.all(
      cuts.map((cut) =>
        feed(TAR_GZ, [gzipSync(raw.subarray(0, cut), { level: 1 })]).then(
          (r) => r,
          (e: unknown) => e as ArchiveError,
        ),
      ),
    )
    let accepted = 0
    results.forEach((result, i) => {
      const cut = cuts[i]!
      if (result instanceof ArchiveError) {
        expect(result.code, `cut at ${cut}`).toBe('bad_tar')
        expect(cut < endBlock + 512, `cut at ${cut} is after the end block`).toBe(true)
      } else {
        // Writers may leave out the end marker, so a cut between two entries is a shorter archive.
        expect(cut % 512 === 0 || cut >= endBlock + 512, `cut at ${cut} was accepted`).toBe(true)
        accepted += 1
      }
    })
    expect(accepted).toBe(512 + 4) // every cut after the end block, and at the 4 boundaries between entries
    const inBody = await refusal(TAR_GZ, [gzipSync(raw.subarray(0, 1024 + 3))])
    expect(inBody.message).toMatch(/cut short.*at byte 1027/)
  })

  it('refuses unsafe entries naming them, after the whole gzip was read', async () => {
    const cases: ReadonlyArray<[CraftedEntry, RegExp]> = [
      [{ name: 'top/../../x', data: 'evil' }, /"\.\." path segment/],
      [{ name: '/etc/x', data: 'evil' }, /absolute path/],
      [{ name: 'C:/x', data: 'evil' }, /drive-letter/],
      [{ name: 'top\\x', data: 'evil' }, /backslash/],
      [{ name: 'top/link', flag: '2', linkpath: '/etc/passwd' }, /symbolic link/],
      [{ name: 'top/hard', flag: '1', linkpath: 'top/a.txt' }, /hard link/],
      [{ name: 'top/dev', flag: '3' }, /character device/],
      [{ name: 'top/fifo', flag: '6' }, /FIFO/],
    ]
    for (const [entry, text] of cases) {
      const gz = tarGzBytes([...SMALL, entry])
      const error = await refusal(TAR_GZ, [gz])
      expect(error.code).toBe('unsafe_entry')
      expect(error.entry).toBe(entry.name)
      expect(error.message).toMatch(text)
      // The same archive cut short: the broken gzip is what gets reported.
      expect((await refusal(TAR_GZ, [gz.subarray(0, gz.length - 2)])).code).toBe('truncated_gzip')
    }
  })

  it('refuses a file and a folder of one name, unknown entry types and oversized metadata', async () => {
    const clash = await refusal(TAR_GZ, [
      tarGzBytes([
        { name: 'top/a', data: 'x' },
        { name: 'top/a/b', data: 'y' },
      ]),
    ])
    expect(clash.code).toBe('bad_tar')
    expect(clash.entry).toBe('top/a/b')

    const sparse = await refusal(TAR_GZ, [tarGzBytes([{ name: 'top/s', flag: 'S' }])])
    expect(sparse.code).toBe('bad_tar')
    expect(sparse.message).toContain(`unsupported type ('S'`)
    expect(sparse.entry).toBe('top/s')

    const bigPax = Buffer.alloc(2 * 1024 * 1024, 0x20)
    const paxTar = Buffer.concat([header('PaxHeader', 'x', bigPax.length), bigPax, tarBytes(SMALL)])
    const meta = await refusal(TAR_GZ, [gzipSync(paxTar)])
    expect(meta.code).toBe('bad_tar')
    expect(meta.message).toContain('the header at byte 0 is invalid (a 2097152-byte metadata header')
  })

  it('follows GNU long names and pax paths, and checks the names they give', async () => {
    const longName = `top/${'n'.repeat(150)}.txt`
    const gnu = Buffer.concat([
      header('././@LongLink', 'L', longName.length + 1),
      Buffer.from(longName + '\0'),
      Buffer.alloc(512 - ((longName.length + 1) % 512)),
      tarBytes([{ name: 'top/short-name', data: 'z' }]),
    ])
    expect((await feed(TAR_GZ, [gzipSync(gnu)])).tar?.files).toBe(1)

    const record = (key: string, value: string): string => {
      const body = ` ${key}=${value}\n`
      let length = body.length + 2
      if (String(length).length + body.length !== length) length += 1
      return `${length}${body}`
    }
    const pax = Buffer.from(record('path', '../escaped.txt'))
    const hostile = Buffer.concat([
      header('PaxHeader', 'x', pax.length),
      pax,
      Buffer.alloc(512 - pax.length),
      tarBytes([{ name: 'top/harmless.txt', data: 'z' }]),
    ])
    const error = await refusal(TAR_GZ, [gzipSync(hostile)])
    expect(error.code).toBe('unsafe_entry')
    expect(error.entry).toBe('../escaped.txt')
  })

  it('takes a pax path whole, not joined to the ustar prefix beside it (as node-tar writes them)', async () => {
    const name = `top/${'d'.repeat(120)}/${'f'.repeat(120)}.txt`
    const pax = Buffer.from(`${name.length + 10} path=${name}\n`)
    const raw = Buffer.concat([
      header('PaxHeader', 'x', pax.length),
      pax,
      Buffer.alloc(512 - pax.length),
      header(`${'f'.repeat(99)}`, '0', 1, '', `top/${'d'.repeat(120)}`),
      Buffer.from('x'),
      Buffer.alloc(511),
      Buffer.alloc(1024),
    ])
    expect((await feed(TAR_GZ, [gzipSync(raw)])).tar).toEqual({
      files: 1,
      dirs: 2,
      totalSize: 1,
      topFolders: ['top'],
    })
  })

  it('stops at the first zero block, like GNU tar, and ignores what follows', async () => {
    const raw = Buffer.concat([tarBytes(SMALL), tarBytes([{ name: '../after-the-end', data: 'x' }])])
    expect((await feed(TAR_GZ, [gzipSync(raw)])).tar).toEqual(SMALL_SUMMARY)
    const padded = Buffer.concat([tarBytes(SMALL), Buffer.alloc(9216), Buffer.from('trailing words')])
    expect((await feed(TAR_GZ, [gzipSync(padded)])).tar).toEqual(SMALL_SUMMARY)
  })

  it('refuses a pax header with nothing after it as cut short', async () => {
    const pax = Buffer.from('20 path=top/late.txt\n')
    const raw = Buffer.concat([tarBytes(SMALL).subarray(0, -1024), header('PaxHeader', 'x', pax.length), pax])
    const error = await refusal(TAR_GZ, [gzipSync(Buffer.concat([raw, Buffer.alloc(512 - pax.length)]))])
    expect(error.code).toBe('bad_tar')
    expect(error.message).toContain('cut short')
  })

  it('tells gzip garbage from padding after the gzip stream', async () => {
    const gz = tarGzBytes(SMALL)
    expect((await feed(TAR_GZ, [gz, Buffer.alloc(4096)])).tar).toEqual(SMALL_SUMMARY)
    const garbage = await refusal(TAR_GZ, [gz, Buffer.from('<html>error page</html>')])
    expect(garbage.code).toBe('not_gzip')
    expect(garbage.message).toContain('damaged')
  })

  it('refuses what is not a tar inside the gzip', async () => {
    const short = await refusal(TAR_GZ, [gzipSync('just a few words')])
    expect(short.code).toBe('bad_tar')
    expect(short.message).toMatch(/does not hold a tar archive \(it holds only 16 bytes/)
    const twice = await refusal(TAR_GZ, [gzipSync(tarGzBytes(SMALL))])
    expect(twice.code).toBe('bad_tar')
    expect(twice.message).toContain('compressed twice')
    expect((await refusal(TAR_GZ, [gzipSync(Buffer.alloc(1024))])).code).toBe('empty')
    expect((await refusal(TAR_GZ, [gzipSync('')])).code).toBe('empty')
  })

  it('caps inflated bytes and entries, and says when the outcome is settled', async () => {
    const gz = tarGzBytes([{ name: 'top/zeros', data: Buffer.alloc(4_000_000) }])
    const check = createArchiveCheck({ kind: 'tar.gz', maxUncompressedBytes: 1_000_000 })
    expect(check.settled).toBe(false)
    for (let at = 0; at < gz.length && !check.settled; at += 1024) {
      if (!check.write(gz.subarray(at, at + 1024))) await check.drained()
    }
    await expect(check.finish()).rejects.toMatchObject({ code: 'too_large' })
    expect(check.settled).toBe(true)

    const many = tarGzBytes(Array.from({ length: 30 }, (_, i) => ({ name: `top/f${i}`, data: '' })))
    const error = await refusal({ kind: 'tar.gz', maxEntries: 20 }, [many])
    expect(error.code).toBe('too_large')
    expect(error.message).toContain('more than 20 files and folders')
    expect((await feed({ kind: 'tar.gz', maxEntries: 31 }, [many])).tar?.files).toBe(30)
  })

  it('takes a large archive in network-sized pieces, waiting when asked to', async () => {
    const data = randomBytes(4 * 1024 * 1024)
    const gz = tarGzBytes([{ name: 'top/random.bin', data }])
    const check = createArchiveCheck(TAR_GZ)
    let waits = 0
    for (let at = 0; at < gz.length; at += 64 * 1024) {
      if (!check.write(gz.subarray(at, at + 64 * 1024))) {
        waits += 1
        await check.drained()
      }
    }
    const result = await check.finish()
    expect(result.tar?.totalSize).toBe(data.length)
    expect(result.bytes).toBe(gz.length)
    expect(waits).toBeGreaterThan(0) // zlib is slower than a loop of writes: backpressure reached us
  })

  it('rejects after abort() with what was found, or says it was stopped', async () => {
    const gz = tarGzBytes([...SMALL, { name: '../x', data: 'x' }])
    const unsafe = createArchiveCheck(TAR_GZ)
    unsafe.write(gz)
    await unsafe.drained()
    await new Promise((resolve) => setTimeout(resolve, 20))
    unsafe.abort()
    const found = await unsafe.finish().catch((e: unknown) => e)
    expect(found).toBeInstanceOf(ArchiveError)
    expect((found as ArchiveError).code).toBe('unsafe_entry')

    const stopped = createArchiveCheck(TAR_GZ)
    stopped.write(gz.subarray(0, 10))
    stopped.abort()
    await expect(stopped.finish()).rejects.toThrow(/stopped before the whole file was read/)
  })
})

describe('createArchiveCheck, gz and none', () => {
  it('inflates a gzip to its end, counting both sizes', async () => {
    const payload = randomBytes(300_000)
    const gz = Buffer.concat([gzipSync(payload), gzipSync('second member')])
    expect(await feed({ kind: 'gz' }, [gz.subarray(0, 1), gz.subarray(1)])).toEqual({
      kind: 'gz',
      bytes: gz.length,
      uncompressedBytes: payload.length + 13,
      tar: null,
    })
    expect((await refusal({ kind: 'gz' }, [gz.subarray(0, gz.length - 5)])).code).toBe('truncated_gzip')
  })

  it('says what a file that is not gzip looks like, once enough of it has arrived', async () => {
    const check = createArchiveCheck({ kind: 'gz' })
    check.write(Buffer.from('<!doctype html><p>Sign in</p>'))
    expect(check.settled).toBe(false) // fewer than 512 bytes: more could still help the guess
    check.write(Buffer.alloc(600, 0x20))
    expect(check.settled).toBe(true)
    const error = (await check.finish().catch((e: unknown) => e)) as ArchiveError
    expect(error.code).toBe('not_gzip')
    expect(error.message).toContain('HTML/XML page')
    expect((await refusal({ kind: 'gz' }, [])).code).toBe('empty')
  })

  it('answers a second finish() the same, and refuses an unknown kind at once', async () => {
    const check = createArchiveCheck(TAR_GZ)
    check.write(tarGzBytes(SMALL))
    const first = await check.finish()
    expect(await check.finish()).toEqual(first)
    expect(() => createArchiveCheck({ kind: 'zip' as never })).toThrow(/Unknown archive kind "zip"/)
  })

  it('only counts for kind none', async () => {
    expect(await feed({ kind: 'none' }, [Buffer.from('abc'), Buffer.from('de')])).toEqual({
      kind: 'none',
      bytes: 5,
      uncompressedBytes: 5,
      tar: null,
    })
  })
})
