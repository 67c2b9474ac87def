/**
 * One clone by the app's `cloneRepository`, in a process of its own so that its memory is only
 * the clone's: `node --import tsx bench/history-clone-child.ts <url> <folder>` prints one JSON
 * line with the clone's time and its peak RSS above the RSS just before it began. Run by
 * history-clone.bench.ts; named without `.bench` so that bench/run.ts does not run it.
 *
 * The peak is the larger of two readings: the RSS sampled every 25 ms, and the kernel's
 * high-water mark (`VmHWM`, reset just before the clone through `/proc/self/clear_refs`), which
 * also catches a spike shorter than a sample or inside synchronous work that holds off the timer.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { cloneRepository } from '../src/main/git/clone'

const SAMPLE_MS = 25

/** Sets the kernel's peak-RSS mark to the RSS now; false where /proc does not allow it. */
function resetHighWaterMark(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

/** The kernel's peak RSS of this process in bytes, or null without /proc. */
function highWaterMark(): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kb === undefined ? null : Number(kb) * 1024
  } catch {
    return null
  }
}

async function main(): Promise<void> {
  const [url, folder] = process.argv.slice(2)
  if (!url || !folder) throw new Error('Usage: node --import tsx bench/history-clone-child.ts <url> <folder>')
  const baseline = process.memoryUsage().rss
  const marked = resetHighWaterMark()
  let sampled = baseline
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss())
  }, SAMPLE_MS)
  const started = process.hrtime.bigint()
  try {
    await cloneRepository({ url, token: 'bench', folder, signal: new AbortController().signal, onProgress: () => {} })
  } finally {
    clearInterval(sampler)
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  sampled = Math.max(sampled, process.memoryUsage.rss())
  const kernel = marked ? highWaterMark() : null
  const peak = Math.max(sampled, kernel ?? 0)
  process.stdout.write(`${JSON.stringify({ ms, baseline, sampled, kernel, peakAbove: peak - baseline })}\n`)
}

main().catch((error: unknown) => {
  console.error((error as Error).message)
  process.exit(1)
})
