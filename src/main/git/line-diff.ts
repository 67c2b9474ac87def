/**
 * Which lines of a file changed, as `git diff` (its default Myers diff) finds them.
 *
 * Lines are split at "\n" only, each keeping its ending, so a CRLF line differs from an LF one
 * and a last line without a newline differs from the same line with one, as in git. The
 * shortest edit script is jsdiff's Myers (`diffArrays`); around it, the steps git's xdiff
 * takes before and after its own Myers, since they decide git's numbers and hunks:
 * - the first and last lines both sides share are set aside;
 * - a line the other side lacks is changed, and so is a line the other side has many times
 *   (at least about the square root of its line count) when it sits among such lines, which
 *   is why git counts a rewritten file's blank lines and lone braces as changed rather than
 *   pairing them up; only the remaining lines are compared (this also makes a 100,000-line
 *   file with 6,000 scattered edits take 0.15 s where jsdiff alone took over 20 s);
 * - the blocks are then placed where git places them (`diff-compact.ts`).
 * Where git differs still: past 256 edits in one stretch git's Myers takes shortcuts that can
 * change a few more lines than needed, where jsdiff stays exact; among equal lines the two may
 * pair different ones (a few hunks in a hundred on generated code, with the same counts); and
 * what jsdiff cannot finish within `MAX_EDIT_LENGTH` edits or `DIFF_TIMEOUT_MS` (a file
 * reordered wholesale) is one replacement between the common ends, correct but larger.
 */
import { diffArrays } from 'diff'
import { compactChanges } from './diff-compact'

/** jsdiff gives up past this many edits (among the lines compared) ... */
export const MAX_EDIT_LENGTH = 10_000
/** ... or after this long on one file, so one pathological file cannot hold up the worker. */
export const DIFF_TIMEOUT_MS = 2000
/** A line seen this many times on the other side is "frequent" (capped; git's XDL_MAX_EQLIMIT). */
const MAX_EQUAL_LIMIT = 1024
/** How far around a frequent line git looks for its neighbours (XDL_SIMSCAN_WINDOW). */
const SCAN_WINDOW = 100
/** A frequent line is dropped when frequent lines are under a quarter of its run (XDL_KPDIS_RUN). */
const KEEP_RUN_RATIO = 4

/** A stretch where the sides differ: old lines [old, old + removed) became new lines [new, new + added). */
export interface LineChange {
  readonly old: number
  readonly removed: number
  readonly new: number
  readonly added: number
}

/** Lines each with its "\n" (the last may lack one), as latin1 strings so equal means equal bytes. */
export function splitLines(data: Buffer): string[] {
  const text = data.toString('latin1')
  const lines: string[] = []
  let start = 0
  while (start < text.length) {
    const end = text.indexOf('\n', start)
    if (end === -1) {
      lines.push(text.slice(start))
      break
    }
    lines.push(text.slice(start, end + 1))
    start = end + 1
  }
  return lines
}

/** Numbers the lines of both sides (equal lines, equal numbers, counted from 0); also how many distinct. */
function numberLines(before: readonly string[], after: readonly string[]): [Int32Array, Int32Array, number] {
  const ids = new Map<string, number>()
  const number = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? ''
      let id = ids.get(line)
      if (id === undefined) {
        id = ids.size
        ids.set(line, id)
      }
      out[i] = id
    }
    return out
  }
  return [number(before), number(after), ids.size]
}

/** git's rough square root (xdl_bogosqrt): the power of two it uses as "many". */
function roughSqrt(n: number): number {
  let root = 1
  for (let rest = n; rest > 0; rest = Math.floor(rest / 4)) root *= 2
  return root
}

const NO_MATCH = 0
const MATCH = 1
const FREQUENT = 2

/** Whether a frequent line at `i` sits among lines without a match (git's xdl_clean_mmatch). */
function amongUnmatched(kinds: Uint8Array, i: number, start: number, end: number): boolean {
  const from = Math.max(start, i - SCAN_WINDOW)
  const to = Math.min(end, i + SCAN_WINDOW)
  // The runs before and after each count the line itself as frequent, as git's do.
  let unmatchedBefore = 0
  let frequentBefore = 1
  for (let j = i - 1; j >= from && kinds[j] !== MATCH; j--) {
    if (kinds[j] === NO_MATCH) unmatchedBefore++
    else frequentBefore++
  }
  if (unmatchedBefore === 0) return false
  let unmatchedAfter = 0
  let frequentAfter = 1
  for (let j = i + 1; j <= to && kinds[j] !== MATCH; j++) {
    if (kinds[j] === NO_MATCH) unmatchedAfter++
    else frequentAfter++
  }
  if (unmatchedAfter === 0) return false
  const frequent = frequentBefore + frequentAfter
  return frequent * KEEP_RUN_RATIO < frequent + unmatchedBefore + unmatchedAfter
}

/** The lines of one side worth comparing: those in [start, end] git does not call changed outright. */
function linesToCompare(ids: Int32Array, otherCounts: Int32Array, start: number, end: number): number[] {
  const limit = Math.min(roughSqrt(ids.length), MAX_EQUAL_LIMIT)
  const kinds = new Uint8Array(ids.length)
  for (let i = start; i <= end; i++) {
    const count = otherCounts[ids[i] ?? 0] ?? 0
    kinds[i] = count === 0 ? NO_MATCH : count >= limit ? FREQUENT : MATCH
  }
  const kept: number[] = []
  for (let i = start; i <= end; i++)
    if (kinds[i] === MATCH || (kinds[i] === FREQUENT && !amongUnmatched(kinds, i, start, end))) kept.push(i)
  return kept
}

/**
 * Flags the lines that differ (old side: removed, new side: added); every line starts flagged
 * and is cleared when the edit script shows it common.
 */
function flagChanges(oldIds: Int32Array, newIds: Int32Array, distinct: number): [Uint8Array, Uint8Array] {
  const oldChanged = new Uint8Array(oldIds.length).fill(1)
  const newChanged = new Uint8Array(newIds.length).fill(1)
  let prefix = 0
  while (prefix < oldIds.length && prefix < newIds.length && oldIds[prefix] === newIds[prefix]) prefix++
  let suffix = 0
  while (
    suffix < oldIds.length - prefix &&
    suffix < newIds.length - prefix &&
    oldIds[oldIds.length - 1 - suffix] === newIds[newIds.length - 1 - suffix]
  )
    suffix++
  oldChanged.fill(0, 0, prefix).fill(0, oldIds.length - suffix)
  newChanged.fill(0, 0, prefix).fill(0, newIds.length - suffix)

  // Git counts a line's occurrences over the whole of each file.
  const oldCounts = new Int32Array(distinct)
  const newCounts = new Int32Array(distinct)
  for (const id of oldIds) oldCounts[id] = (oldCounts[id] ?? 0) + 1
  for (const id of newIds) newCounts[id] = (newCounts[id] ?? 0) + 1
  const keptOld = linesToCompare(oldIds, newCounts, prefix, oldIds.length - suffix - 1)
  const keptNew = linesToCompare(newIds, oldCounts, prefix, newIds.length - suffix - 1)
  if (keptOld.length === 0 || keptNew.length === 0) return [oldChanged, newChanged]
  const script = diffArrays(
    keptOld.map((i) => oldIds[i] ?? -1),
    keptNew.map((i) => newIds[i] ?? -1),
    { maxEditLength: MAX_EDIT_LENGTH, timeout: DIFF_TIMEOUT_MS },
  )
  let o = 0
  let n = 0
  for (const part of script ?? []) {
    if (part.added) n += part.count
    else if (part.removed) o += part.count
    else
      for (let k = 0; k < part.count; k++, o++, n++) {
        oldChanged[keptOld[o] ?? 0] = 0
        newChanged[keptNew[n] ?? 0] = 0
      }
  }
  return [oldChanged, newChanged]
}

/** The flagged runs as changes, in order. */
function changesOf(oldChanged: Uint8Array, newChanged: Uint8Array): LineChange[] {
  const changes: LineChange[] = []
  let o = 0
  let n = 0
  while (o < oldChanged.length || n < newChanged.length) {
    if (oldChanged[o] === 0 && newChanged[n] === 0) {
      o++
      n++
      continue
    }
    const old = o
    const at = n
    while (oldChanged[o] === 1) o++
    while (newChanged[n] === 1) n++
    changes.push({ old, removed: o - old, new: at, added: n - at })
  }
  return changes
}

/** The changes between two files' lines (from {@link splitLines}). */
export function lineChanges(before: readonly string[], after: readonly string[]): LineChange[] {
  const [oldIds, newIds, distinct] = numberLines(before, after)
  const [oldChanged, newChanged] = flagChanges(oldIds, newIds, distinct)
  compactChanges(
    { lines: before, ids: oldIds, changed: oldChanged },
    { lines: after, ids: newIds, changed: newChanged },
  )
  return changesOf(oldChanged, newChanged)
}
