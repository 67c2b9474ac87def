/**
 * Rename detection as `git diff -M` does it with its defaults, over the deletions and additions
 * of a tree diff. Git's steps, in its order (diffcore-rename.c, git 2.39):
 * 1. exact renames: an added file whose blob id some deleted file had (a symlink or submodule
 *    only with the same mode); among several such sources, an unused one with the same base
 *    name wins, else the first in path order;
 * 2. base names: a deleted and an added file whose base name is unique among the remaining
 *    deletions and among the remaining additions are paired when at least 75% similar;
 * 3. the rest, when there are at most `diff.renameLimit` (1000) squared pairs: each addition keeps
 *    its best four sources, all candidates are sorted by score (equal scores: same base name
 *    first), and pairs of at least 50% are taken best first, each path used once.
 * Only regular files are compared inexactly; binary files are too, as git does (its --numstat
 * then shows `-`/`-`).
 *
 * The similarity is git's own (diffcore-delta.c), not a line diff: each side is cut into chunks
 * that end at a newline or after 64 bytes (a CR before LF ignored in text), chunks are hashed
 * into git's 107,927 buckets, and the score is the bytes the two sides share per bucket over the
 * larger size. It is hand-written because no library computes it, and reproducing git's hash,
 * collisions included, is what makes `R085` here the `R085` of `git diff -M --name-status`.
 * What differs: git reads `.gitattributes` (a `-diff` or `binary` file counts as binary, which
 * changes whether CRs are ignored); this module does not.
 */
import type { FileStatus } from '../../shared/history'
import { isBinaryContent } from './file-diff'
import { isRegularMode, throwIfCancelled, type TreeChange } from './tree-diff'

/** Git's scale for similarity scores: 60,000 is identical. */
const MAX_SCORE = 60_000
/** `-M` without a number: 50%. */
const MIN_SCORE = 30_000
/** The base-name step asks for halfway between the minimum and identical (git: 75%). */
const BASENAME_MIN_SCORE = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2
/** `diff.renameLimit`'s default: past 1000 x 1000 candidate pairs, inexact detection is skipped. */
export const RENAME_LIMIT = 1000
/** How many best sources git keeps per addition before pairing (NUM_CANDIDATE_PER_DST). */
const CANDIDATES_PER_DEST = 4
/** git's HASHBASE: the number of buckets chunks are hashed into. */
const HASH_BASE = 107_927
/** A chunk ends at a newline or after this many bytes. */
const CHUNK_BYTES = 64

/** A tree change after rename detection. */
export interface PathChange {
  readonly path: string
  /** The path before, for a rename. */
  readonly oldPath: string | null
  readonly status: FileStatus
  /** Git's percent (100 for an exact rename), for renames only. */
  readonly similarity: number | null
  readonly oldOid: string | null
  readonly newOid: string | null
  readonly oldMode: string | null
  readonly newMode: string | null
  readonly typeChange: boolean
}

/** Reads a blob's content (the caller caches: the diff reads the same blobs afterwards). */
export type BlobLoader = (oid: string) => Promise<Buffer>

export interface RenameOptions {
  /** Pairs past this squared skip inexact detection; git's `diff.renameLimit`. */
  readonly renameLimit?: number
  readonly signal?: AbortSignal
}

interface Side {
  readonly change: TreeChange
  readonly path: string
  readonly oid: string
  readonly mode: string
}

interface Source extends Side {
  used: boolean
}

interface Destination extends Side {
  rename: { readonly source: Source; readonly score: number } | null
}

/** Counts of bytes per chunk bucket, and the blob's size. */
interface Spans {
  readonly size: number
  readonly counts: Map<number, number>
}

interface Candidate {
  readonly destination: number
  readonly source: number
  readonly score: number
  readonly sameName: boolean
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** git's spanhash of a blob (diffcore-delta.c `hash_chars`), exact to the bit. */
function spansOf(data: Buffer): Spans {
  const text = !isBinaryContent(data)
  const counts = new Map<number, number>()
  let accum1 = 0
  let accum2 = 0
  let length = 0
  const add = (): void => {
    const bucket = ((accum1 + (Math.imul(accum2, 0x61) >>> 0)) >>> 0) % HASH_BASE
    counts.set(bucket, (counts.get(bucket) ?? 0) + length)
    length = 0
    accum1 = 0
    accum2 = 0
  }
  for (let i = 0; i < data.length; i++) {
    const c = data[i] ?? 0
    if (text && c === 0x0d && data[i + 1] === 0x0a) continue
    const old1 = accum1
    accum1 = (((accum1 << 7) ^ (accum2 >>> 25)) + c) >>> 0
    accum2 = ((accum2 << 7) ^ (old1 >>> 25)) >>> 0
    if (++length < CHUNK_BYTES && c !== 0x0a) continue
    add()
  }
  // Git drops the bytes after the last newline when fewer than 64: they count for nothing.
  return { size: data.length, counts }
}

class Similarity {
  readonly #spans = new Map<string, Promise<Spans>>()
  constructor(
    private readonly load: BlobLoader,
    private readonly signal: AbortSignal | undefined,
  ) {}

  #spansFor(oid: string): Promise<Spans> {
    let spans = this.#spans.get(oid)
    if (!spans) {
      spans = this.load(oid).then(spansOf)
      this.#spans.set(oid, spans)
    }
    return spans
  }

  /** git's `estimate_similarity`: 0 for anything but two regular files, or sizes too far apart. */
  async score(source: Side, destination: Side, minimum: number): Promise<number> {
    if (!isRegularMode(source.mode) || !isRegularMode(destination.mode)) return 0
    throwIfCancelled(this.signal)
    const [from, to] = await Promise.all([this.#spansFor(source.oid), this.#spansFor(destination.oid)])
    const maxSize = Math.max(from.size, to.size)
    const delta = maxSize - Math.min(from.size, to.size)
    if (maxSize * (MAX_SCORE - minimum) < delta * MAX_SCORE) return 0
    if (to.size === 0) return 0
    let copied = 0
    for (const [bucket, count] of from.counts) copied += Math.min(count, to.counts.get(bucket) ?? 0)
    return Math.floor((copied * MAX_SCORE) / maxSize)
  }
}

function modesAllowExactRename(source: Side, destination: Side): boolean {
  if (isRegularMode(source.mode) && isRegularMode(destination.mode)) return true
  return source.mode === destination.mode
}

function findExactRenames(sources: readonly Source[], destinations: readonly Destination[]): void {
  const byOid = new Map<string, Source[]>()
  for (const source of sources) {
    const list = byOid.get(source.oid)
    if (list) list.push(source)
    else byOid.set(source.oid, [source])
  }
  for (const destination of destinations) {
    let best: Source | null = null
    let bestScore = -1
    // Git looks at no more than 100 identical sources for one addition.
    let alternatives = 100
    for (const source of byOid.get(destination.oid) ?? []) {
      if (source.used || !modesAllowExactRename(source, destination)) continue
      const score = 1 + (baseName(source.path) === baseName(destination.path) ? 1 : 0)
      if (score > bestScore) {
        best = source
        bestScore = score
        if (score === 2) break
      }
      if (--alternatives === 0) break
    }
    if (best) {
      best.used = true
      destination.rename = { source: best, score: MAX_SCORE }
    }
  }
}

/** Base name -> index, or -1 where the name occurs more than once. */
function uniqueNames(sides: readonly Side[]): Map<string, number> {
  const names = new Map<string, number>()
  sides.forEach((side, index) => {
    const name = baseName(side.path)
    names.set(name, names.has(name) ? -1 : index)
  })
  return names
}

async function findBaseNameRenames(
  sources: readonly Source[],
  destinations: readonly Destination[],
  similarity: Similarity,
): Promise<void> {
  const sourceNames = uniqueNames(sources)
  const destinationNames = uniqueNames(destinations)
  for (const [name, sourceIndex] of sourceNames) {
    const destinationIndex = destinationNames.get(name)
    if (sourceIndex === -1 || destinationIndex === undefined || destinationIndex === -1) continue
    const source = sources[sourceIndex]
    const destination = destinations[destinationIndex]
    if (!source || !destination) continue
    const score = await similarity.score(source, destination, BASENAME_MIN_SCORE)
    if (score < BASENAME_MIN_SCORE) continue
    source.used = true
    destination.rename = { source, score }
  }
}

/** Sorts best first: unused slots last, higher score, then same base name (git's `score_compare`). */
function compareCandidates(a: Candidate | null, b: Candidate | null): number {
  if (!a) return b ? 1 : 0
  if (!b) return -1
  if (a.score === b.score) return Number(b.sameName) - Number(a.sameName)
  return b.score - a.score
}

/** Keeps a destination's best candidates in git's four slots (`record_if_better`). */
function recordIfBetter(slots: (Candidate | null)[], candidate: Candidate): void {
  let worst = 0
  for (let i = 1; i < slots.length; i++) if (compareCandidates(slots[i] ?? null, slots[worst] ?? null) > 0) worst = i
  if (compareCandidates(slots[worst] ?? null, candidate) > 0) slots[worst] = candidate
}

async function findInexactRenames(
  sources: readonly Source[],
  destinations: readonly Destination[],
  similarity: Similarity,
): Promise<void> {
  const all: (Candidate | null)[] = []
  for (let d = 0; d < destinations.length; d++) {
    const destination = destinations[d]
    if (!destination) continue
    const slots: (Candidate | null)[] = new Array<Candidate | null>(CANDIDATES_PER_DEST).fill(null)
    for (let s = 0; s < sources.length; s++) {
      const source = sources[s]
      if (!source) continue
      const score = await similarity.score(source, destination, MIN_SCORE)
      recordIfBetter(slots, {
        destination: d,
        source: s,
        score,
        sameName: baseName(source.path) === baseName(destination.path),
      })
    }
    all.push(...slots)
  }
  all.sort(compareCandidates)
  for (const candidate of all) {
    if (!candidate || candidate.score < MIN_SCORE) break
    const destination = destinations[candidate.destination]
    const source = sources[candidate.source]
    if (!destination || !source || destination.rename || source.used) continue
    source.used = true
    destination.rename = { source, score: candidate.score }
  }
}

function unchanged(change: TreeChange): PathChange {
  return { ...change, oldPath: null, similarity: null }
}

/**
 * The changes with git's `-M` renames found: a renamed file takes its new path's place in the
 * order and its old path's deletion is dropped. Halves of a type change never pair (git
 * compares them as one modified path).
 */
export async function detectRenames(
  changes: readonly TreeChange[],
  load: BlobLoader,
  options: RenameOptions = {},
): Promise<PathChange[]> {
  const renameLimit = options.renameLimit ?? RENAME_LIMIT
  let sources: Source[] = []
  let destinations: Destination[] = []
  for (const change of changes) {
    if (change.typeChange) continue
    if (change.status === 'deleted' && change.oldOid && change.oldMode)
      sources.push({ change, path: change.path, oid: change.oldOid, mode: change.oldMode, used: false })
    else if (change.status === 'added' && change.newOid && change.newMode)
      destinations.push({ change, path: change.path, oid: change.newOid, mode: change.newMode, rename: null })
  }
  if (sources.length === 0 || destinations.length === 0) return changes.map(unchanged)
  const renamed = new Map<TreeChange, Destination>()
  const dropped = new Set<TreeChange>()
  // After each step, what it paired leaves the pools the next step draws from.
  const settle = (): boolean => {
    for (const source of sources) if (source.used) dropped.add(source.change)
    for (const destination of destinations) if (destination.rename) renamed.set(destination.change, destination)
    sources = sources.filter((source) => !source.used)
    destinations = destinations.filter((destination) => !destination.rename)
    return sources.length > 0 && destinations.length > 0
  }

  findExactRenames(sources, destinations)
  const similarity = new Similarity(load, options.signal)
  if (settle()) {
    await findBaseNameRenames(sources, destinations, similarity)
    if (settle() && (renameLimit <= 0 || sources.length * destinations.length <= renameLimit * renameLimit)) {
      await findInexactRenames(sources, destinations, similarity)
      settle()
    }
  }

  const out: PathChange[] = []
  for (const change of changes) {
    if (dropped.has(change)) continue
    const destination = renamed.get(change)
    const rename = destination?.rename
    if (!rename) {
      out.push(unchanged(change))
      continue
    }
    out.push({
      path: change.path,
      oldPath: rename.source.path,
      status: 'renamed',
      similarity: Math.floor((rename.score * 100) / MAX_SCORE),
      oldOid: rename.source.oid,
      newOid: change.newOid,
      oldMode: rename.source.mode,
      newMode: change.newMode,
      typeChange: false,
    })
  }
  return out
}
