/**
 * Hand-made zip bytes for tests, written independently of the module under test (which reads
 * with yauzl) so that hostile archives can be built exactly as an attacker or a broken tool
 * would: names with `..` or backslashes, symbolic links, sizes that lie, bad checksums,
 * encryption flags. Local headers, central directory and end record, no zip64.
 */
import { crc32, deflateRawSync } from 'node:zlib'

export interface ZipEntrySpec {
  readonly name: string
  readonly data?: string | Buffer
  /** Deflate (the default) or store. */
  readonly method?: 'deflate' | 'store'
  /** Unix mode with type bits (0o100644 a file, 0o040755 a folder, 0o120777 a link). */
  readonly unixMode?: number
  /** The uncompressed size written in the headers, when it should lie. */
  readonly declaredSize?: number
  /** The CRC written in the headers, when it should be wrong. */
  readonly crc?: number
  /** General purpose flags (bit 0: encrypted). */
  readonly flags?: number
  /** A compression method number to write instead (the data is then stored as it is). */
  readonly methodCode?: number
}

/** A zip archive of `entries`, in order. */
export function zipArchive(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const spec of entries) {
    const name = Buffer.from(spec.name, 'utf8')
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0))
    const stored = spec.method === 'store' || spec.name.endsWith('/') || spec.methodCode !== undefined
    const body = stored ? data : deflateRawSync(data)
    const crc = spec.crc ?? crc32(data)
    const size = spec.declaredSize ?? data.length
    const flags = (spec.flags ?? 0) | 0x800 // UTF-8 names
    const method = spec.methodCode ?? (stored ? 0 : 8)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(0, 10) // time
    local.writeUInt16LE(((2024 - 1980) << 9) | (1 << 5) | 1, 12) // date: 2024-01-01
    local.writeUInt32LE(crc >>> 0, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, name, body)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(spec.unixMode === undefined ? 20 : (3 << 8) | 20, 4) // made by: Unix when a mode is given
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(0, 12)
    central.writeUInt16LE(((2024 - 1980) << 9) | (1 << 5) | 1, 14)
    central.writeUInt32LE(crc >>> 0, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((spec.unixMode ?? 0) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}
