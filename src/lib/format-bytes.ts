/**
 * The one way Restore Desk writes a size for people, in the page, the app's messages and the
 * platform's: binary units with their IEC names (1 KiB = 1024 bytes), because the platform's
 * limits and the archives' sizes are powers of two and "MB" would be off by 5 % at GiB sizes.
 * Pure (no Node, no DOM), so the renderer imports it too.
 */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** "0 bytes", "1 byte", "512 bytes", "1.5 KiB", "38 MiB" (one decimal below 100). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 bytes'
  if (bytes < 1024) {
    const whole = Math.round(bytes)
    return whole === 1 ? '1 byte' : `${whole} bytes`
  }
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  // 1023.6 KiB would round to "1024 KiB"; show it as the next unit instead.
  if (value >= 1023.5 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`
}

/** A transfer rate as "4.2 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}
