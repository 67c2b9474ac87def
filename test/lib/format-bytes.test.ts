import { describe, expect, it } from 'vitest'
import { formatBytes, formatRate } from '../../src/lib/format-bytes'

describe('formatBytes', () => {
  it('writes small counts in bytes, singular for one', () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(1023)).toBe('1023 bytes')
  })

  it('uses IEC units with one decimal below 100', () => {
    expect(formatBytes(1024)).toBe('1.0 KiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(38 * 1024 ** 2)).toBe('38.0 MiB')
    expect(formatBytes(150 * 1024 ** 2)).toBe('150 MiB')
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB')
    expect(formatBytes(2 * 1024 ** 4)).toBe('2.0 TiB')
  })

  it('moves to the next unit instead of printing 1024.0', () => {
    expect(formatBytes(1024 ** 2 - 1)).toBe('1.0 MiB')
    expect(formatBytes(1024 * 1023.6)).toBe('1.0 MiB')
    expect(formatBytes(1024 * 1023.4)).toBe('1023 KiB')
  })

  it('says 0 bytes for what is not a size', () => {
    expect(formatBytes(Number.NaN)).toBe('0 bytes')
    expect(formatBytes(-5)).toBe('0 bytes')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('0 bytes')
  })

  it('writes rates per second', () => {
    expect(formatRate(1024 ** 2)).toBe('1.0 MiB/s')
  })
})
