/**
 * How a revert merges one file that both sides changed (base = the reverted commit, ours = dev's
 * head, theirs = the commit's parent), as git's default merge driver decides it.
 *
 * A file that is binary on any side (a NUL byte in its first 8,000 bytes, git's
 * `buffer_is_binary`) is a conflict, as in git: isomorphic-git's default driver line-merges such
 * a file through UTF-8 and commits a corrupted blob (GIT-NOTES). Text is merged the way xdiff's
 * `xdl_merge` does at git's level (`XDL_MERGE_ZEALOUS`): the changes base -> ours and base ->
 * theirs (the same diff `git diff` makes, line-diff.ts) are walked side by side by their place in
 * the base; a change that ends before the other side's next one starts is taken alone, two that
 * overlap or touch (git counts touching as overlapping) are a conflict unless both sides made the
 * same change, and neighbouring regions that touch are joined as `xdl_append_merge` joins them.
 * Hand-ported rather than taken from the `diff3` package (isomorphic-git's, 0.0.3, untyped and
 * unmaintained): that one pairs lines with its own LCS and has its own idea of overlap, so its
 * clean merges and its conflicts are not always git's, and the trees would then differ from
 * `git revert`'s. Whether a region conflicts is all the app needs: a conflict stops the revert,
 * so no conflict markers are ever written.
 */
import { isBinaryContent } from './file-diff'
import { lineChanges, splitLines, type LineChange } from './line-diff'

/** The merged content, or why there is none (in words, for the conflict list). */
export type FileMerge = { readonly merged: Buffer } | { readonly conflict: string }

/** xdiff's modes: 0 conflict, 1 ours, 2 theirs, 4 a conflict both sides resolved the same way. */
type Mode = 0 | 1 | 2 | 4

/** One merged region: base lines [i0, i0 + chg0), ours [i1, i1 + chg1), theirs [i2, i2 + chg2). */
interface Region {
  mode: Mode
  i0: number
  chg0: number
  i1: number
  chg1: number
  i2: number
  chg2: number
}

/** `xdl_append_merge`: a region that touches the last one (on ours' or theirs' side) joins it. */
function append(
  regions: Region[],
  mode: Mode,
  i0: number,
  chg0: number,
  i1: number,
  chg1: number,
  i2: number,
  chg2: number,
) {
  const last = regions.at(-1)
  if (last && (i1 <= last.i1 + last.chg1 || i2 <= last.i2 + last.chg2)) {
    if (mode !== last.mode) last.mode = 0
    last.chg0 = i0 + chg0 - last.i0
    last.chg1 = i1 + chg1 - last.i1
    last.chg2 = i2 + chg2 - last.i2
    return
  }
  regions.push({ mode, i0, chg0, i1, chg1, i2, chg2 })
}

function sameLines(a: readonly string[], from: number, b: readonly string[], at: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (a[from + k] !== b[at + k]) return false
  return true
}

/** `xdl_do_merge`'s walk over the two change lists (x: base -> ours, y: base -> theirs). */
function regionsOf(
  x: readonly LineChange[],
  y: readonly LineChange[],
  ours: readonly string[],
  theirs: readonly string[],
  baseLength: number,
): Region[] {
  const regions: Region[] = []
  let i = 0
  let j = 0
  while (i < x.length && j < y.length) {
    const a = x[i] as LineChange
    const b = y[j] as LineChange
    if (a.old + a.removed < b.old) {
      append(regions, 1, a.old, a.removed, a.new, a.added, b.new - b.old + a.old, a.removed)
      i++
      continue
    }
    if (b.old + b.removed < a.old) {
      append(regions, 2, b.old, b.removed, a.new - a.old + b.old, b.removed, b.new, b.added)
      j++
      continue
    }
    const identical =
      a.old === b.old &&
      a.removed === b.removed &&
      a.added === b.added &&
      sameLines(ours, a.new, theirs, b.new, a.added)
    if (!identical) {
      const off = a.old - b.old
      const ffo = off + a.removed - b.removed
      let i0 = a.old
      let i1 = a.new
      let i2 = b.new
      if (off > 0) {
        i0 -= off
        i1 -= off
      } else i2 += off
      let chg0 = a.old + a.removed - i0
      let chg1 = a.new + a.added - i1
      let chg2 = b.new + b.added - i2
      if (ffo < 0) {
        chg0 -= ffo
        chg1 -= ffo
      } else chg2 += ffo
      append(regions, 0, i0, chg0, i1, chg1, i2, chg2)
    }
    const endA = a.old + a.removed
    const endB = b.old + b.removed
    if (endA >= endB) j++
    if (endB >= endA) i++
  }
  for (; i < x.length; i++) {
    const a = x[i] as LineChange
    append(regions, 1, a.old, a.removed, a.new, a.added, a.old + theirs.length - baseLength, a.removed)
  }
  for (; j < y.length; j++) {
    const b = y[j] as LineChange
    append(regions, 2, b.old, b.removed, b.old + ours.length - baseLength, b.removed, b.new, b.added)
  }
  return regions
}

/**
 * The three-way merge of lines (from `splitLines`), or null when a region conflicts. The result
 * is ours with theirs' changes spliced in, as `xdl_fill_merge_buffer` writes it.
 */
export function mergeLines(
  base: readonly string[],
  ours: readonly string[],
  theirs: readonly string[],
): string[] | null {
  const toOurs = lineChanges(base, ours)
  const toTheirs = lineChanges(base, theirs)
  if (toOurs.length === 0) return [...theirs]
  if (toTheirs.length === 0) return [...ours]
  const regions = regionsOf(toOurs, toTheirs, ours, theirs, base.length)
  const out: string[] = []
  let at = 0
  for (const region of regions) {
    if (region.mode === 0) {
      // `xdl_refine_conflicts`: a conflict whose two sides read the same is no conflict.
      if (region.chg1 !== region.chg2 || !sameLines(ours, region.i1, theirs, region.i2, region.chg1)) return null
      region.mode = 4
      continue
    }
    if (region.mode === 4) continue
    for (; at < region.i1; at++) out.push(ours[at] as string)
    if (region.mode === 1) for (let k = 0; k < region.chg1; k++) out.push(ours[region.i1 + k] as string)
    else for (let k = 0; k < region.chg2; k++) out.push(theirs[region.i2 + k] as string)
    at = region.i1 + region.chg1
  }
  for (; at < ours.length; at++) out.push(ours[at] as string)
  return out
}

/** Merges one file's three contents; a binary side or a clashing region is a conflict. */
export function mergeFileContent(base: Buffer, ours: Buffer, theirs: Buffer): FileMerge {
  if (isBinaryContent(base) || isBinaryContent(ours) || isBinaryContent(theirs))
    return { conflict: 'binary file changed on both sides' }
  const merged = mergeLines(splitLines(base), splitLines(ours), splitLines(theirs))
  if (merged === null) return { conflict: 'changed on both sides' }
  return { merged: Buffer.from(merged.join(''), 'latin1') }
}
