/** A promise chain that runs async sections one at a time (per key when keyed). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve()

  /** Runs `section` after every earlier section has settled. */
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section)
    this.tail = result.catch(() => undefined)
    return result
  }
}
