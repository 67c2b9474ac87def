/** Small stream waits the app and the platform share. */
import type { EventEmitter } from 'node:events'

/**
 * Resolves once `stream` can take more data ('drain') or has closed (then nobody will read what
 * is left, so waiting longer would hang the writer). Never rejects.
 */
export function drainedOrClosed(stream: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}

/**
 * Reads all of `source` (a request body) into memory, at most `limit` bytes: past that it stops
 * reading and throws what `tooLarge()` makes, so a huge body never fills the memory.
 */
export async function readAtMost(
  source: AsyncIterable<unknown>,
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > limit) throw tooLarge()
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}
