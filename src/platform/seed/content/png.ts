/**
 * A tiny PNG encoder (8-bit RGB, no interlace) so demo sites carry real images without any
 * download: signature, IHDR, tEXt, IDAT (zlib) and IEND chunks, each with its CRC-32. It writes
 * the format and never parses one; the compression and the CRC are zlib's. Hand-written because
 * no dependency of the project encodes PNG, and unfiltered 8-bit RGB is all the demo pictures need.
 */
import { crc32, deflateSync } from 'node:zlib'
import { Random } from './random'

/** CRC-32 as PNG (and gzip) define it: Node's own, from zlib. */
export { crc32 }

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  out.set(data, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Encodes RGB pixels (row-major, 3 bytes each) as a PNG, with an optional tEXt comment. */
export function encodePng(width: number, height: number, rgb: Uint8Array, comment?: string): Buffer {
  if (rgb.length !== width * height * 3)
    throw new Error(`Expected ${width * height * 3} bytes of RGB, got ${rgb.length}.`)
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 3 + 1)] = 0 // filter: none
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1)
  }
  const chunks = [PNG_SIGNATURE, chunk('IHDR', ihdr)]
  if (comment) chunks.push(chunk('tEXt', Buffer.from(`Comment\0${comment}`, 'latin1')))
  chunks.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)))
  return Buffer.concat(chunks)
}

const cache = new Map<string, Buffer>()

/**
 * A generated picture (sky-and-hills landscape or abstract blocks) for `seed`, memoised because
 * the seed writes the same uploads into many backups.
 */
export function demoPng(seed: string, width: number, height: number): Buffer {
  const key = `${seed}:${width}x${height}`
  const cached = cache.get(key)
  if (cached) return cached
  const random = new Random(seed)
  const rgb = new Uint8Array(width * height * 3)
  const top = [random.int(60, 200), random.int(100, 220), random.int(180, 255)]
  const bottom = [random.int(20, 120), random.int(80, 180), random.int(20, 100)]
  const hills = Array.from({ length: 3 }, () => ({
    phase: random.next() * 6.28,
    amp: random.int(4, 14) / 100,
    freq: random.int(1, 4),
  }))
  const blocks = Array.from({ length: random.int(2, 5) }, () => ({
    x: random.int(0, width - 1),
    y: random.int(0, height - 1),
    r: random.int(Math.max(2, width >> 4), Math.max(3, width >> 2)),
    colour: [random.int(0, 255), random.int(0, 255), random.int(0, 255)],
  }))
  // The horizon depends only on x, so it is computed once per column.
  const horizon = Array.from(
    { length: width },
    (_, x) => 0.6 + hills.reduce((sum, h) => sum + h.amp * Math.sin(h.phase + (x / width) * h.freq * 6.28), 0),
  )
  for (let y = 0; y < height; y += 1) {
    const t = y / height
    const sky = [0, 1, 2].map((i) => Math.round(top[i]! * (1 - t) + bottom[i]! * t))
    for (let x = 0; x < width; x += 1) {
      const shade = t > horizon[x]! ? 0.7 : 1
      let r = Math.round(sky[0]! * shade)
      let g = Math.round(sky[1]! * shade)
      let b = Math.round(sky[2]! * shade)
      for (const block of blocks) {
        const dx = x - block.x
        const dy = y - block.y
        if (dx * dx + dy * dy < block.r * block.r) [r, g, b] = block.colour as [number, number, number]
      }
      const at = (y * width + x) * 3
      rgb[at] = r
      rgb[at + 1] = g
      rgb[at + 2] = b
    }
  }
  const png = encodePng(width, height, rgb, `Restore Desk demo image ${seed}`)
  cache.set(key, png)
  return png
}
