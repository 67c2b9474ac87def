/**
 * Conversions to the gzip forms: each converted file passes the same inspection with the same
 * detail (only the format changes), a zip's paths, modes and times survive into the tar.gz,
 * and a stopped conversion leaves no file.
 */
import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { list, type ReadEntry } from 'tar'
import { describe, expect, it } from 'vitest'
import { convertToGzipForm, inspectImport, type InspectImportOptions } from '../../../src/lib/archives'
import { tarBytes } from './craft'
import { MYSQLDUMP_8 } from './dumps'
import { useScratchDir } from './scratch'
import { zipArchive } from './zip-craft'

const scratch = useScratchDir('rd-convert-')
const LIMITS: InspectImportOptions = { maxBytes: 64 * 1024 * 1024, maxUncompressedBytes: 256 * 1024 * 1024 }

async function detailOf(file: string) {
  const result = await inspectImport(file, LIMITS)
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.refusal)}`)
  return result.detail
}

const tree = [
  { name: 'files_live/', flag: '5' },
  { name: 'files_live/a.txt', data: 'hello' },
  { name: 'files_live/deep/', flag: '5' },
  { name: `files_live/deep/${'long-name-'.repeat(12)}.bin`, data: randomBytes(200_000) },
]

const sources: Array<{ name: string; data: () => Buffer; form: 'sql.gz' | 'tar.gz' }> = [
  { name: 'dump.sql', data: () => Buffer.from(MYSQLDUMP_8), form: 'sql.gz' },
  { name: 'dump.zip', data: () => zipArchive([{ name: 'export/site.sql', data: MYSQLDUMP_8 }]), form: 'sql.gz' },
  { name: 'files.tar', data: () => tarBytes(tree), form: 'tar.gz' },
  {
    name: 'files.zip',
    data: () =>
      zipArchive(
        tree.map((e) =>
          e.flag === '5' ? { name: e.name, unixMode: 0o040750 } : { name: e.name, data: e.data, unixMode: 0o100640 },
        ),
      ),
    form: 'tar.gz',
  },
]

describe('convertToGzipForm', () => {
  for (const source of sources) {
    it(`converts ${source.name} to a ${source.form} with the same inspection`, async () => {
      const file = await scratch.put(source.name, source.data())
      const before = await detailOf(file)
      const dest = path.join(scratch.dir, `${source.name}.${source.form}`)
      expect(await convertToGzipForm(file, before, dest, LIMITS)).toBe(source.form)
      const after = await detailOf(dest)
      expect(after).toEqual({
        ...before,
        format: source.form,
        ...(before.kind === 'database' ? { innerName: null } : {}),
      })
    })
  }

  it("keeps a zip's modes and times in the tar.gz", async () => {
    const file = await scratch.put('modes.zip', sources[3]!.data())
    const dest = path.join(scratch.dir, 'modes.tar.gz')
    await convertToGzipForm(file, await detailOf(file), dest, LIMITS)
    const entries: Array<{ path: string; mode: number; year: number }> = []
    await list({
      file: dest,
      onReadEntry: (e: ReadEntry) => entries.push({ path: e.path, mode: e.mode!, year: e.mtime!.getFullYear() }),
    })
    expect(entries.map((e) => e.path)).toEqual(tree.map((e) => e.name))
    expect(entries.map((e) => e.mode)).toEqual([0o750, 0o640, 0o750, 0o640])
    expect(entries.every((e) => e.year === 2024)).toBe(true)
  })

  it('refuses to convert what is in gzip form already, and leaves no file when stopped', async () => {
    const gz = path.join(scratch.dir, 'files.tar.tar.gz')
    await expect(convertToGzipForm(gz, await detailOf(gz), path.join(scratch.dir, 'x.tar.gz'), LIMITS)).rejects.toThrow(
      /already in gzip form/,
    )
    const big = await scratch.put('big.zip', zipArchive([{ name: 'f/big.bin', data: randomBytes(8 * 1024 * 1024) }]))
    const controller = new AbortController()
    const dest = path.join(scratch.dir, 'stopped.tar.gz')
    const converting = convertToGzipForm(big, await detailOf(big), dest, { ...LIMITS, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stopped')), 5)
    await expect(converting).rejects.toThrow()
    await expect(stat(dest)).rejects.toMatchObject({ code: 'ENOENT' })
    expect((await readdir(scratch.dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('fails on a zip that changed into a damaged one since it was inspected, writing nothing', async () => {
    const good = await scratch.put('changed.zip', zipArchive([{ name: 'f/a.bin', data: randomBytes(300_000) }]))
    const detail = await detailOf(good)
    await scratch.put('changed.zip', zipArchive([{ name: 'f/a.bin', data: randomBytes(300_000), crc: 7 }]))
    const dest = path.join(scratch.dir, 'changed.tar.gz')
    await expect(convertToGzipForm(good, detail, dest, LIMITS)).rejects.toMatchObject({ code: 'corrupt' })
    await expect(stat(dest)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
