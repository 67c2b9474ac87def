/**
 * Seeded randomness for demo content: the same seed always gives the same site, so backups
 * made at different times differ only where time says they should.
 */

/** A 32-bit FNV-1a hash of a string, used to derive seeds from names. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A small deterministic pseudo-random generator (mulberry32). */
export class Random {
  private state: number

  constructor(seed: number | string) {
    this.state = typeof seed === 'string' ? hashString(seed) : seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Cannot pick from an empty list.')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** A lowercase hex string of `length` characters. */
  hex(length: number): string {
    let out = ''
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16)
    return out
  }

  /** A version-4-shaped UUID. */
  uuid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}

const WORDS = (
  'access account article audience autumn balance banner board brand budget campaign career ' +
  'catalogue checkout city climate coffee community conference course customer dashboard delivery ' +
  'design donation editor event feature festival garden gallery guide harbour health history ' +
  'insight journal kitchen launch library market member menu mobile museum network newsletter ' +
  'office outdoor partner pattern people planning policy portfolio press product program project ' +
  'quality recipe report research review river school season service shop spring story studio ' +
  'summer support team training travel update volunteer webinar winter workshop'
).split(' ')

/** A plausible lowercase word. */
export function word(random: Random): string {
  return random.pick(WORDS)
}

/** A title-cased phrase of `count` words. */
export function titleWords(random: Random, count: number): string {
  return Array.from({ length: count }, () => {
    const w = word(random)
    return w[0]!.toUpperCase() + w.slice(1)
  }).join(' ')
}

/** A sentence of 6–14 words. */
export function sentence(random: Random): string {
  const words = Array.from({ length: random.int(6, 14) }, () => word(random))
  const text = words.join(' ')
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`
}

/** A paragraph of 2–5 sentences. */
export function paragraph(random: Random): string {
  return Array.from({ length: random.int(2, 5) }, () => sentence(random)).join(' ')
}

/** A lowercase, dash-separated slug. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/** The machine name form of a site name (letters, digits, underscores). */
export function machineName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
  return /^[a-z]/.test(name) ? name : `site_${name}`
}
