/**
 * The code history's wording and shapes, as pure functions: commit dates, the badges a commit
 * carries for dev, test and live, how far the environments are apart in words, file statuses,
 * and a diff's lines paired into the rows of a side-by-side view.
 */
import type { DiffHunk, DiffLine, EnvGap, FileChange, FileStatus, HistoryCommit } from '../../../shared/history'
import { formatExact, formatRelative, isoMoment } from './format'

/** The environments in the order the page shows them. */
export const ENV_ORDER = ['dev', 'test', 'live'] as const

/** How many characters of a commit id a row shows (git's own short form). */
export const SHORT_OID_LENGTH = 7

export function shortOid(oid: string): string {
  return oid.slice(0, SHORT_OID_LENGTH)
}

const count = new Intl.NumberFormat('en')

/** A number with thousands separators, as the counts read ("1,204"). */
export function formatCount(value: number): string {
  return count.format(value)
}

/** "1 commit", "4 commits", "1,204 commits". */
export function commitCount(value: number): string {
  return `${formatCount(value)} commit${value === 1 ? '' : 's'}`
}

/** How much of the history is loaded: "300 of 1,204 commits" ("300 commits" until the total is counted). */
export function loadedLabel(loaded: number, total: number | null): string {
  if (total === null) return commitCount(loaded)
  return `${formatCount(loaded)} of ${commitCount(total)}`
}

/** What a search found so far: "3 matches, searched 1,204 commits". */
export function searchSummary(matches: number, scanned: number): string {
  return `${formatCount(matches)} match${matches === 1 ? '' : 'es'}, searched ${commitCount(scanned)}`
}

/** A commit's moment three ways: "3 days ago", the exact local time for a title, and ISO for `<time>`. */
export function commitWhen(at: number, now: number): { relative: string; exact: string; iso: string | undefined } {
  return { relative: formatRelative(at, now), exact: formatExact(at), iso: isoMoment(at) }
}

/** One environment's badge on a commit: strong where the environment is at it, light where it only contains it. */
export interface EnvBadge {
  readonly env: string
  readonly at: boolean
  /** What a screen reader says: "test is at this commit", "in live". */
  readonly label: string
}

/** The badges of a commit, dev, test and live first, then any other environment named. */
export function envBadges(commit: Pick<HistoryCommit, 'envsAt' | 'envsContaining'>): EnvBadge[] {
  const named = new Set([...commit.envsAt, ...commit.envsContaining])
  const ordered = [
    ...ENV_ORDER.filter((env) => named.has(env)),
    ...[...named].filter((env) => !(ENV_ORDER as readonly string[]).includes(env)).sort(),
  ]
  return ordered.map((env) => {
    const at = commit.envsAt.includes(env)
    return { env, at, label: at ? `${env} is at this commit` : `in ${env}` }
  })
}

/** The words for how one environment stands against the one it is deployed from. */
export interface GapWords {
  /** "test lacks 4 commits of dev", or "Up to date with dev". */
  readonly lacks: string
  /** "test has 2 commits dev no longer has", or null when it has none. */
  readonly extra: string | null
  /** "and 12 more" when the gap lists fewer commits than it counts, else null. */
  readonly more: string | null
}

export function gapWords(gap: EnvGap): GapWords {
  const lacks =
    gap.count === 0 ? `Up to date with ${gap.from}` : `${gap.to} lacks ${commitCount(gap.count)} of ${gap.from}`
  const extra =
    gap.reverseCount === 0 ? null : `${gap.to} has ${commitCount(gap.reverseCount)} ${gap.from} no longer has`
  const hidden = gap.count - gap.commits.length
  return { lacks, extra, more: hidden > 0 ? `and ${formatCount(hidden)} more` : null }
}

/** The short name a platform ref gives: a tag or branch name (`pantheon_test_4`, `master`). */
export function refName(ref: string | null): string | null {
  if (!ref) return null
  for (const prefix of ['refs/tags/', 'refs/heads/', 'refs/remotes/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length)
  }
  return ref
}

const STATUS_LABELS: Readonly<Record<FileStatus, string>> = {
  added: 'Added',
  modified: 'Modified',
  deleted: 'Deleted',
  renamed: 'Renamed',
}

export function fileStatusLabel(status: FileStatus): string {
  return STATUS_LABELS[status]
}

const MODE_NAMES: Readonly<Record<string, string>> = {
  '100644': 'file',
  '100755': 'executable',
  '120000': 'symbolic link',
  '160000': 'submodule',
}

/** A change of a file's mode in words ("file → executable (100644 → 100755)"), or null when it kept its mode. */
export function modeChange(change: Pick<FileChange, 'oldMode' | 'newMode'>): string | null {
  const { oldMode, newMode } = change
  if (!oldMode || !newMode || oldMode === newMode) return null
  const name = (mode: string) => (Object.hasOwn(MODE_NAMES, mode) ? MODE_NAMES[mode] : `mode ${mode}`)
  return `${name(oldMode)} → ${name(newMode)} (${oldMode} → ${newMode})`
}

/** A hunk's header as git writes it: "@@ -12,7 +12,9 @@". */
export function hunkHeader(hunk: Pick<DiffHunk, 'oldStart' | 'oldLines' | 'newStart' | 'newLines'>): string {
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`
}

/** The message after its subject line, without the blank line git puts between. */
export function messageBody(message: string): string {
  const newline = message.indexOf('\n')
  return newline < 0
    ? ''
    : message
        .slice(newline + 1)
        .replace(/^\s*\n/, '')
        .trimEnd()
}

/** One row of the side-by-side view: the old line on the left, the new on the right (null leaves a side empty). */
export interface SplitRow {
  readonly left: DiffLine | null
  readonly right: DiffLine | null
}

/**
 * Pairs a hunk's lines for the side-by-side view: a context line stands on both sides, and a run
 * of removed lines faces the run of added lines that follows it, line by line, the longer run
 * leaving the other side empty, as `git difftool` and GitHub's split view show a replacement.
 */
export function splitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = []
  let index = 0
  while (index < lines.length) {
    const line = lines[index]!
    if (line.kind === ' ') {
      rows.push({ left: line, right: line })
      index += 1
      continue
    }
    const removed: DiffLine[] = []
    while (index < lines.length && lines[index]!.kind === '-') removed.push(lines[index++]!)
    const added: DiffLine[] = []
    while (index < lines.length && lines[index]!.kind === '+') added.push(lines[index++]!)
    for (let pair = 0; pair < Math.max(removed.length, added.length); pair += 1)
      rows.push({ left: removed[pair] ?? null, right: added[pair] ?? null })
  }
  return rows
}
