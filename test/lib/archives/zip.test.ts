/**
 * Zip archives: the traps a zip can hold (zip slips, links, devices, encryption, unknown
 * methods, zip bombs by declared and by actual size, bad checksums, a cut-off end), how a zip
 * is told to be a database or files, and safe extraction (modes, times, nothing left behind).
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { extractZipSafe, inspectImport } from '../../../src/lib/archives'
import { MYSQLDUMP_8 } from './dumps'
import { useScratchDir } from './scratch'
import { zipArchive, type ZipEntrySpec } from './zip-craft'

const scratch = useScratchDir('rd-zip-')
const LIMITS = { maxBytes: 64 * 1024 * 1024, maxUncompressedBytes: 16 * 1024 * 1024 }

let counter = 0
async function put(entries: readonly ZipEntrySpec[] | Buffer): Promise<string> {
  return scratch.put(`z-${(counter += 1)}.zip`, Buffer.isBuffer(entries) ? entries : zipArchive(entries))
}

async function refusalOf(entries: readonly ZipEntrySpec[] | Buffer, limits = LIMITS) {
  const result = await inspectImport(await put(entries), limits)
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.detail)}`)
  return result.refusal
}

describe('zip refusals', () => {
  const slips: Array<[string, string, RegExp]> = [
    ['../../etc/cron.d/evil', 'a ".." path segment', /"\.\." path segment \("\.\.\/\.\.\/etc\/cron\.d\/evil"\)/],
    ['/etc/passwd', 'an absolute path', /absolute path \("\/etc\/passwd"\)/],
    ['C:/Windows/evil.dll', 'a drive letter', /drive-letter path \("C:\/Windows\/evil\.dll"\)/],
    ['files\\..\\..\\evil', 'backslashes', /backslash in its path/],
  ]
  for (const [name, what, problem] of slips) {
    it(`refuses a zip slip with ${what}`, async () => {
      const refusal = await refusalOf([
        { name: 'files/ok.txt', data: 'fine' },
        { name, data: 'evil' },
      ])
      expect(refusal.code).toBe('unsafe_path')
      expect(refusal.problem).toMatch(problem)
      expect(refusal.todo).toMatch(/relative paths only.*zip -r/)
    })
  }

  it('refuses a symbolic link, naming its target', async () => {
    const refusal = await refusalOf([
      { name: 'files/passwd', data: '/etc/passwd', unixMode: 0o120777, method: 'store' },
    ])
    expect(refusal).toEqual({
      code: 'link',
      problem: 'The archive contains a symbolic link ("files/passwd" pointing to "/etc/passwd").',
      todo: expect.stringMatching(/without `--symlinks`/),
    })
  })

  it('refuses a device', async () => {
    const refusal = await refusalOf([{ name: 'files/tty', unixMode: 0o020644 }])
    expect(refusal.code).toBe('device')
    expect(refusal.problem).toMatch(/character device \("files\/tty"\)/)
  })

  it('refuses a zip bomb by its declared sizes before inflating', async () => {
    const refusal = await refusalOf(
      Array.from({ length: 20 }, (_, i) => ({ name: `f/${i}.bin`, data: Buffer.alloc(1024 * 1024) })),
    )
    expect(refusal.code).toBe('zip_bomb')
    expect(refusal.problem).toMatch(/declares 17\.0 MiB when unpacked, more than the 16\.0 MiB allowed/)
    expect(refusal.todo).toMatch(/smaller archives/)
  })

  it('refuses an entry that inflates past its declared size as corrupt', async () => {
    const refusal = await refusalOf([{ name: 'f/small.txt', data: Buffer.alloc(4 * 1024 * 1024), declaredSize: 100 }])
    expect(refusal.code).toBe('corrupt')
    expect(refusal.problem).toMatch(/"f\/small\.txt" inflates to more than the 100 bytes it declares/)
    expect(refusal.todo).toMatch(/make it again/)
  })

  it('refuses an entry whose data does not match its CRC-32', async () => {
    const refusal = await refusalOf([{ name: 'f/a.txt', data: 'hello', crc: 12345 }])
    expect(refusal.code).toBe('corrupt')
    expect(refusal.problem).toMatch(/"f\/a\.txt" does not match its checksum/)
  })

  it('refuses encrypted entries and unknown compression methods', async () => {
    expect(
      await refusalOf([
        // ZipCrypto: 12 header bytes before the (stored) data
        { name: 'secret.sql', data: randomBytes(13), declaredSize: 1, flags: 1, method: 'store' },
      ]),
    ).toMatchObject({
      code: 'encrypted',
      todo: expect.stringMatching(/without a password/),
    })
    expect(await refusalOf([{ name: 'f/a.bin', data: 'x', methodCode: 14 }])).toMatchObject({
      code: 'unsupported',
      problem: expect.stringMatching(/method 14/),
    })
  })

  it('refuses two .sql files in a zip', async () => {
    const refusal = await refusalOf([
      { name: 'drupal.sql', data: MYSQLDUMP_8 },
      { name: 'wordpress.sql', data: MYSQLDUMP_8 },
    ])
    expect(refusal.code).toBe('several_sql')
    expect(refusal.problem).toMatch(/holds 2 SQL files \(drupal\.sql, wordpress\.sql\)/)
    expect(refusal.todo).toMatch(/one dump at a time/)
  })

  it('refuses a zip whose one .sql is not a dump', async () => {
    const refusal = await refusalOf([{ name: 'dump.sql', data: '<html><body>Login</body></html>' }])
    expect(refusal.code).toBe('html')
  })

  it('refuses a zip cut short, an empty zip and a zip of folders only', async () => {
    const whole = zipArchive([{ name: 'f/a.bin', data: randomBytes(5000) }])
    expect((await refusalOf(whole.subarray(0, whole.length - 30))).code).toBe('truncated')
    expect((await refusalOf([])).code).toBe('empty')
    expect(await refusalOf([{ name: 'a/' }, { name: 'a/b/' }])).toMatchObject({
      code: 'empty',
      problem: 'The zip archive holds only folders, no files.',
    })
  })
})

describe('extractZipSafe', () => {
  const limits = { maxUncompressedBytes: 16 * 1024 * 1024 }

  it('writes the files with their modes and times, dropping the one top folder when asked', async () => {
    const data = randomBytes(70_000)
    const file = await put([
      { name: 'files_dev/', unixMode: 0o040755 },
      { name: 'files_dev/run.sh', data: '#!/bin/sh\n', unixMode: 0o100755 },
      { name: 'files_dev/img/photo.bin', data, unixMode: 0o100644 },
    ])
    const dest = path.join(scratch.dir, 'out-strip')
    const summary = await extractZipSafe(file, dest, { ...limits, stripTopFolder: true })
    expect(summary).toEqual({ files: 2, dirs: 2, totalSize: 10 + 70_000, topFolders: ['files_dev'] })
    expect((await readdir(dest)).sort()).toEqual(['img', 'run.sh'])
    expect(await readFile(path.join(dest, 'img/photo.bin'))).toEqual(data)
    const script = await stat(path.join(dest, 'run.sh'))
    expect(script.mode & 0o777).toBe(0o755)
    expect(new Date(script.mtimeMs).getFullYear()).toBe(2024)
  })

  it('leaves nothing behind when a body is damaged, and writes nothing for an unsafe listing', async () => {
    const damaged = await put([
      { name: 'a.txt', data: 'first' },
      { name: 'b.txt', data: 'second', crc: 1 },
    ])
    const dest = path.join(scratch.dir, 'out-damaged')
    await expect(extractZipSafe(damaged, dest, limits)).rejects.toMatchObject({ code: 'corrupt' })
    await expect(stat(dest)).rejects.toMatchObject({ code: 'ENOENT' })

    const unsafe = await put([
      { name: 'a.txt', data: 'first' },
      { name: '../escape.txt', data: 'evil' },
    ])
    await expect(extractZipSafe(unsafe, path.join(scratch.dir, 'out-unsafe'), limits)).rejects.toMatchObject({
      code: 'unsafe_entry',
    })
    await expect(stat(path.join(scratch.dir, 'escape.txt'))).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(stat(path.join(scratch.dir, 'out-unsafe'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
