/**
 * One file's change as `git diff -M --numstat` and `git diff -U3` show it: binary or not, lines
 * added and removed, and hunks with three lines of context and each line's numbers.
 *
 * Lines are split at "\n" only, each keeping its ending, so a CRLF line differs from an LF one
 * and a last line without a newline differs from the same line with one, as in git. The line
 * diff is jsdiff's Myers (`diffArrays`); around it, two steps git's xdiff takes too: the common
 * first and last lines are set aside, and lines that occur on one side only are left out of the
 * comparison (they cannot be common, so the result is as short; on a 100,000-line file with
 * scattered edits this turns minutes into milliseconds). What jsdiff still cannot finish within
 * `MAX_EDIT_LENGTH` edits or `DIFF_TIMEOUT_MS` (files reordered wholesale) is shown as one
 * replacement between the common ends: a correct diff, but its counts may exceed git's there.
 * Where a block of changes could sit in more than one place (a line added next to an equal
 * one), git's indent heuristic may place it differently; the counts are the same.
 */
import { diffArrays } from 'diff'
import type { DiffHunk, DiffLine, FileChange } from '../../shared/history'
import { compactChanges } from './diff-compact'
import type { PathChange } from './renames'
import { isSubmoduleMode } from './tree-diff'

/** Git looks for a NUL byte in this many first bytes of each side to call a file binary. */
export const BINARY_PROBE_BYTES = 8000
/** Git's `core.bigFileThreshold`: larger blobs are binary to its diff. */
export const BIG_FILE_BYTES = 512 * 1024 * 1024
/** Lines of context around each change (`-U3`). */
export const CONTEXT_LINES = 3
/** A file's diff in a commit's detail stops after this many lines ("Show all" gives the rest). */
export const FILE_DIFF_LINE_LIMIT = 2000
/** A commit's detail carries at most this many diff lines over all its files. */
export const COMMIT_DIFF_LINE_LIMIT = 10_000
/** jsdiff gives up past this many edits (of the lines both sides share) ... */
export const MAX_EDIT_LENGTH = 10_000
/** ... or after this long on one file, so one pathological file cannot hold up the worker. */
export const DIFF_TIMEOUT_MS = 2000

/** Git's rule: a NUL byte in the first 8,000 bytes, or a blob past the big-file threshold. */
export function isBinaryContent(data: Buffer): boolean {
  if (data.length > BIG_FILE_BYTES) return true
  return data.subarray(0, BINARY_PROBE_BYTES).includes(0)
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

/** Numbers the lines of both sides (equal lines, equal numbers, counted from 0); also returns how many distinct. */
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

/**
 * Flags the lines that differ (1 on the old side: removed; on the new side: added), from a
 * shortest edit script; every line is flagged until shown to be common.
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

  // In the middle, only lines the other side also has can be common: compare just those.
  const inOld = new Uint8Array(distinct)
  const inNew = new Uint8Array(distinct)
  for (let i = prefix; i < oldIds.length - suffix; i++) inOld[oldIds[i] ?? 0] = 1
  for (let i = prefix; i < newIds.length - suffix; i++) inNew[newIds[i] ?? 0] = 1
  const keptOld: number[] = []
  const keptNew: number[] = []
  for (let i = prefix; i < oldIds.length - suffix; i++) if (inNew[oldIds[i] ?? 0]) keptOld.push(i)
  for (let i = prefix; i < newIds.length - suffix; i++) if (inOld[newIds[i] ?? 0]) keptNew.push(i)
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

/** A stretch where the sides differ: old lines [old, old + removed) became new lines [new, new + added). */
interface Change {
  readonly old: number
  readonly removed: number
  readonly new: number
  readonly added: number
}

/** The flagged runs as changes; each lists its removed lines, then its added ones, as git does. */
function changesOf(oldChanged: Uint8Array, newChanged: Uint8Array): Change[] {
  const changes: Change[] = []
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

/** A line's text for the page: without its "\n", its bytes read as UTF-8. */
function textOf(line: string): string {
  const bare = line.endsWith('\n') ? line.slice(0, -1) : line
  return Buffer.from(bare, 'latin1').toString('utf8')
}

/** The hunks (`-U3`), stopping after `budget` lines; `cut` when lines were left out. */
function hunksOf(
  before: readonly string[],
  after: readonly string[],
  changes: readonly Change[],
  budget: number,
): { hunks: DiffHunk[]; shown: number; cut: boolean } {
  const hunks: DiffHunk[] = []
  let shown = 0
  let index = 0
  while (index < changes.length) {
    // Git joins changes whose gap is at most twice the context into one hunk.
    let last = index
    for (;;) {
      const current = changes[last]
      const next = changes[last + 1]
      if (!current || !next || next.old - (current.old + current.removed) > 2 * CONTEXT_LINES) break
      last++
    }
    const first = changes[index]
    const end = changes[last]
    if (!first || !end) break
    const lead = Math.min(CONTEXT_LINES, first.old)
    const oldStart = first.old - lead
    const newStart = first.new - lead
    const oldEnd = Math.min(before.length, end.old + end.removed + CONTEXT_LINES)
    const lines: DiffLine[] = []
    let o = oldStart
    let n = newStart
    let oldCount = 0
    let newCount = 0
    const emit = (kind: DiffLine['kind'], line: string): boolean => {
      if (shown >= budget) return false
      const noNewline = !line.endsWith('\n')
      lines.push({
        kind,
        text: textOf(line),
        oldNumber: kind === '+' ? null : o + 1,
        newNumber: kind === '-' ? null : n + 1,
        ...(noNewline ? { noNewline } : {}),
      })
      if (kind !== '+') {
        o++
        oldCount++
      }
      if (kind !== '-') {
        n++
        newCount++
      }
      shown++
      return true
    }
    const context = (untilOld: number): boolean => {
      while (o < untilOld) if (!emit(' ', before[o] ?? '')) return false
      return true
    }
    let complete = true
    for (let c = index; c <= last && complete; c++) {
      const change = changes[c]
      if (!change) break
      complete = context(change.old)
      for (let k = 0; complete && k < change.removed; k++) complete = emit('-', before[change.old + k] ?? '')
      for (let k = 0; complete && k < change.added; k++) complete = emit('+', after[change.new + k] ?? '')
    }
    if (complete) complete = context(oldEnd)
    if (lines.length > 0)
      hunks.push({
        // Git's header: an empty side's start is the line before it.
        oldStart: oldCount === 0 ? oldStart : oldStart + 1,
        oldLines: oldCount,
        newStart: newCount === 0 ? newStart : newStart + 1,
        newLines: newCount,
        lines,
      })
    if (!complete) return { hunks, shown, cut: true }
    index = last + 1
  }
  return { hunks, shown, cut: false }
}

/** A line diff's counts and hunks. */
export interface TextDiff {
  readonly added: number
  readonly removed: number
  readonly hunks: DiffHunk[]
  /** Lines of hunks given (at most the budget). */
  readonly shown: number
  readonly cut: boolean
}

/** Diffs two texts (as bytes); hunks stop after `budget` lines, the counts are always whole. */
export function diffText(before: Buffer, after: Buffer, budget: number = Infinity): TextDiff {
  const oldLines = splitLines(before)
  const newLines = splitLines(after)
  const [oldIds, newIds, distinct] = numberLines(oldLines, newLines)
  const [oldChanged, newChanged] = flagChanges(oldIds, newIds, distinct)
  compactChanges(
    { lines: oldLines, ids: oldIds, changed: oldChanged },
    { lines: newLines, ids: newIds, changed: newChanged },
  )
  const changes = changesOf(oldChanged, newChanged)
  let added = 0
  let removed = 0
  for (const change of changes) {
    added += change.added
    removed += change.removed
  }
  return { added, removed, ...hunksOf(oldLines, newLines, changes, budget) }
}

/** What git diffs for a submodule: one line naming the commit it points at. */
function submoduleText(oid: string): Buffer {
  return Buffer.from(`Subproject commit ${oid}\n`)
}

/** The contents of one side, as the diff sees them (`null` where the side is absent). */
export function sideContent(mode: string | null, oid: string | null, blob: Buffer | null): Buffer | null {
  if (mode === null || oid === null) return null
  if (isSubmoduleMode(mode)) return submoduleText(oid)
  return blob
}

/**
 * A changed path as the page shows it. `before` and `after` are the sides' contents (see
 * {@link sideContent}); `budget` is how many diff lines it may carry (0: none, then `hunks`
 * is null and `cut` true unless the diff is empty). Returns the lines it used.
 */
export function fileChangeOf(
  change: PathChange,
  before: Buffer | null,
  after: Buffer | null,
  budget: number,
): { readonly file: FileChange; readonly shown: number } {
  const base = {
    path: change.path,
    oldPath: change.oldPath,
    status: change.status,
    similarity: change.similarity,
    oldMode: change.oldMode,
    newMode: change.newMode,
  }
  const binary = (before !== null && isBinaryContent(before)) || (after !== null && isBinaryContent(after))
  if (binary) return { file: { ...base, binary, added: null, removed: null, hunks: null, cut: false }, shown: 0 }
  const empty = Buffer.alloc(0)
  const same = change.oldOid !== null && change.oldOid === change.newOid
  const diff = same
    ? { added: 0, removed: 0, hunks: [], shown: 0, cut: false }
    : diffText(before ?? empty, after ?? empty, Math.max(0, budget))
  const hunks = diff.cut && diff.hunks.length === 0 ? null : diff.hunks
  return {
    file: { ...base, binary, added: diff.added, removed: diff.removed, hunks, cut: diff.cut },
    shown: diff.shown,
  }
}
