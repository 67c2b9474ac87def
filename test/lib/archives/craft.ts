/**
 * Hand-made tar bytes for tests, written independently of the module under test so that
 * hostile archives (absolute paths, `..`, links, devices, FIFOs, broken headers) can be built
 * exactly as an attacker or a broken tool would.
 */
import { gzipSync } from 'node:zlib'

export interface CraftedEntry {
  readonly name: string
  /** Tar typeflag: '0' file, '5' dir, '1' hardlink, '2' symlink, '3' char dev, '4' block dev, '6' FIFO. */
  readonly flag?: string
  readonly data?: string | Buffer
  readonly linkpath?: string
}

/** One ustar header block with a correct checksum (`prefix`: ustar's field for long paths). */
export function header(name: string, flag: string, size: number, linkpath = '', prefix = ''): Buffer {
  const block = Buffer.alloc(512)
  block.write(name, 0, 100, 'utf8')
  block.write('0000644\0', 100)
  block.write('0000000\0', 108)
  block.write('0000000\0', 116)
  block.write(size.toString(8).padStart(11, '0') + '\0', 124)
  block.write('14000000000\0', 136)
  block.fill(0x20, 148, 156)
  block.write(flag, 156, 1, 'latin1')
  block.write(linkpath, 157, 100, 'utf8')
  block.write('ustar\0', 257, 'latin1')
  block.write('00', 263, 'latin1')
  block.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const b of block) sum += b
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return block
}

/** Raw (uncompressed) tar bytes for the given entries, with the end-of-archive marker. */
export function tarBytes(entries: readonly CraftedEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0))
    const flag = entry.flag ?? '0'
    parts.push(header(entry.name, flag, flag === '0' ? data.length : 0, entry.linkpath))
    if (flag === '0' && data.length > 0) {
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

/** Gzipped tar bytes for the given entries. */
export function tarGzBytes(entries: readonly CraftedEntry[]): Buffer {
  return gzipSync(tarBytes(entries))
}

/** A minimal but well-formed zip file holding one stored file. */
export function zipBytes(): Buffer {
  const name = Buffer.from('dump.sql')
  const data = Buffer.from('SELECT 1;\n')
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4)
  local.writeUInt32LE(data.length, 18)
  local.writeUInt32LE(data.length, 22)
  local.writeUInt16LE(name.length, 26)
  return Buffer.concat([local, name, data])
}
