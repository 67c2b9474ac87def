/**
 * Transfer rate for the downloads panel: an exponentially weighted average over samples at least
 * 200 ms apart, with a 2-second time constant, so the figure (and the time left derived from it)
 * follows real changes within a few seconds without jumping at every chunk.
 */

const minSampleMs = 200
const timeConstantMs = 2000

/** Smoothed bytes-per-second meter. */
export class RateMeter {
  #lastBytes = 0
  #lastTime = 0
  #rate = 0
  #primed = false

  /** Starts over from `bytes` (at a resume or restart); the rate is unknown until the next samples. */
  reset(bytes: number, now: number): void {
    this.#lastBytes = bytes
    this.#lastTime = now
    this.#rate = 0
    this.#primed = false
  }

  /** Records the byte count at time `now`. */
  sample(bytes: number, now: number): void {
    const elapsed = now - this.#lastTime
    if (elapsed < minSampleMs) return
    const instant = (Math.max(0, bytes - this.#lastBytes) * 1000) / elapsed
    if (this.#primed) {
      const weight = 1 - Math.exp(-elapsed / timeConstantMs)
      this.#rate += weight * (instant - this.#rate)
    } else {
      this.#rate = instant
      this.#primed = true
    }
    this.#lastBytes = bytes
    this.#lastTime = now
  }

  /** The smoothed rate, 0 until known. */
  get bytesPerSecond(): number {
    return Math.round(this.#rate)
  }
}
