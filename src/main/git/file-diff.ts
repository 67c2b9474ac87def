/**
 * One file's change as `git diff -M --numstat` and `git diff -U3` show it: binary or not, lines
 * added and removed (from `line-diff.ts`), and hunks with three lines of context, each line with
 * its numbers, joined and headed as git joins and heads them. A commit's detail caps how many
 * diff lines it carries; the counts are always whole. A revert's preview shows its change
 * with the same list (`changedFiles`), so both read alike.
 */
import type { DiffHunk, DiffLine, FileChange } from '../../shared/history'
import { lineChanges, splitLines, type LineChange } from './line-diff'
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

/** Git's rule: a NUL byte in the first 8,000 bytes, or a blob past the big-file threshold. */
export function isBinaryContent(data: Buffer): boolean {
  if (data.length > BIG_FILE_BYTES) return true
  return data.subarray(0, BINARY_PROBE_BYTES).includes(0)
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
  changes: readonly LineChange[],
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
  const changes = lineChanges(oldLines, newLines)
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

/** A change's two sides as the diff sees them (a submodule is one line naming its commit, never read). */
export async function sidesOf(
  change: PathChange,
  load: (oid: string) => Promise<Buffer>,
): Promise<[Buffer | null, Buffer | null]> {
  const side = async (mode: string | null, oid: string | null): Promise<Buffer | null> =>
    sideContent(mode, oid, mode === null || oid === null || isSubmoduleMode(mode) ? null : await load(oid))
  return [await side(change.oldMode, change.oldOid), await side(change.newMode, change.newOid)]
}

/**
 * The files a set of changes shows, as a commit's detail shows them: each diff cut at
 * `FILE_DIFF_LINE_LIMIT` and all of them at `COMMIT_DIFF_LINE_LIMIT`, with git's `--stat`
 * totals. `throwIfStopped` runs before each file and throws the caller's own cancellation.
 */
export async function changedFiles(
  changes: readonly PathChange[],
  load: (oid: string) => Promise<Buffer>,
  throwIfStopped: () => void,
): Promise<{ files: FileChange[]; totals: { files: number; added: number; removed: number } }> {
  const files: FileChange[] = []
  let remaining = COMMIT_DIFF_LINE_LIMIT
  let added = 0
  let removed = 0
  let typeChanges = 0
  for (const change of changes) {
    throwIfStopped()
    const [before, after] = await sidesOf(change, load)
    const { file, shown } = fileChangeOf(change, before, after, Math.min(FILE_DIFF_LINE_LIMIT, remaining))
    remaining -= shown
    added += file.added ?? 0
    removed += file.removed ?? 0
    // A change of kind is two rows (deleted, added) but one file, as git's --stat counts it.
    if (change.typeChange && change.status === 'added') typeChanges++
    files.push(file)
  }
  return { files, totals: { files: files.length - typeChanges, added, removed } }
}
