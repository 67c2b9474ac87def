import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTarGz, inspectTarGz } from '../../../src/lib/archives'
import { PNG_SIGNATURE, crc32, encodePng, writeDemoFiles } from '../../../src/platform/seed/content/index'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rd-demo-files-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const AT = new Date('2026-06-01T10:00:00Z')
const LATER = new Date('2026-09-01T10:00:00Z')

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(path.relative(root, path.join(entry.parentPath, entry.name)))
  }
  return out.sort()
}

/** Checks a PNG the way a strict decoder would: signature, every chunk's CRC, IHDR, IDAT size. */
function assertValidPng(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  let at = 8
  let width = 0
  let height = 0
  const idat: Buffer[] = []
  const types: string[] = []
  while (at < png.length) {
    const length = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + length)
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      expect([data[8], data[9], data[10], data[11], data[12]]).toEqual([8, 2, 0, 0, 0])
    }
    if (type === 'IDAT') idat.push(data)
    types.push(type)
    at += 12 + length
  }
  expect(types[0]).toBe('IHDR')
  expect(types.at(-1)).toBe('IEND')
  expect(width).toBeGreaterThan(0)
  expect(inflateSync(Buffer.concat(idat)).length).toBe((width * 3 + 1) * height)
  return { width, height }
}

describe('encodePng', () => {
  it('matches the CRC-32 check value and encodes pixels', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    const png = encodePng(2, 1, new Uint8Array([255, 0, 0, 0, 0, 255]))
    expect(assertValidPng(png)).toEqual({ width: 2, height: 1 })
    expect(inflateSync(png.subarray(33 + 8, png.length - 16)).toString('hex')).toBe('00ff00000000ff')
  })
})

for (const framework of ['drupal8', 'wordpress'] as const) {
  describe(`writeDemoFiles (${framework})`, () => {
    it('writes a realistic tree with valid PNGs and PDFs', async () => {
      const root = path.join(dir, `${framework}-live`)
      await writeDemoFiles(root, { framework, env: 'live', at: AT })
      const files = await listFiles(root)
      if (framework === 'drupal8') {
        for (const prefix of ['styles/', 'css/', 'js/', 'inline-images/', 'documents/'])
          expect(files.some((f) => f.startsWith(prefix))).toBe(true)
      } else {
        expect(files.some((f) => /^\d{4}\/\d\d\/[\w-]+-150x150\.png$/.test(f))).toBe(true)
        expect(files.some((f) => /^2026\/0[1-5]\//.test(f))).toBe(true)
      }
      const pngs = files.filter((f) => f.endsWith('.png'))
      expect(pngs.length).toBeGreaterThan(20)
      for (const png of pngs) assertValidPng(await readFile(path.join(root, png)))
      const pdfs = files.filter((f) => f.endsWith('.pdf'))
      expect(pdfs.length).toBeGreaterThan(0)
      for (const pdf of pdfs) {
        const text = (await readFile(path.join(root, pdf))).toString('latin1')
        expect(text.startsWith('%PDF-1.4')).toBe(true)
        const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1])
        expect(text.slice(startxref, startxref + 4)).toBe('xref')
      }
      expect(files.some((f) => f.endsWith('.txt') || f.endsWith('.log') || f.endsWith('.css'))).toBe(true)
      const archive = path.join(dir, `${framework}.tar.gz`)
      await createTarGz(root, archive, 'files_live')
      const summary = await inspectTarGz(archive)
      expect(summary.files).toBe(files.length)
      expect(summary.topFolders).toEqual(['files_live'])
    })

    it('is deterministic, grows over time and differs by environment', async () => {
      const a = path.join(dir, `${framework}-a`)
      const b = path.join(dir, `${framework}-b`)
      const later = path.join(dir, `${framework}-later`)
      const dev = path.join(dir, `${framework}-dev`)
      await writeDemoFiles(a, { framework, env: 'test', at: AT })
      await writeDemoFiles(b, { framework, env: 'test', at: AT })
      await writeDemoFiles(later, { framework, env: 'test', at: LATER })
      await writeDemoFiles(dev, { framework, env: 'dev', at: AT })
      const filesA = await listFiles(a)
      expect(await listFiles(b)).toEqual(filesA)
      for (const file of filesA) {
        expect((await readFile(path.join(b, file))).equals(await readFile(path.join(a, file)))).toBe(true)
        expect((await stat(path.join(b, file))).mtimeMs).toBe((await stat(path.join(a, file))).mtimeMs)
      }
      const filesLater = await listFiles(later)
      const uploads = (list: string[]): string[] => list.filter((f) => f.endsWith('.png') || f.endsWith('.pdf'))
      expect(uploads(filesLater).length).toBeGreaterThan(uploads(filesA).length)
      expect(uploads(filesLater)).toEqual(expect.arrayContaining(uploads(filesA)))
      const filesDev = await listFiles(dev)
      expect(filesDev).toContain('dev-notes.txt')
      expect(uploads(filesDev).length).toBeLessThanOrEqual(uploads(filesA).length)
    })
  })
}
