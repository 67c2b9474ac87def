/**
 * Where a block of added or removed lines sits, chosen as git chooses it.
 *
 * A line diff knows which lines changed, but a block can often move: deleting a function whose
 * neighbour also ends in "}" and a blank line can be shown at several offsets, all equally
 * short. jsdiff's Myers takes the first it meets, which often cuts a deleted function in the
 * middle of its neighbour. Git then moves every block (xdiff's change compaction, git 2.14+
 * defaults): up and down as far as equal lines allow, merging it with blocks it touches; back
 * to sit beside a change on the other side when it can; otherwise to the offset its indent
 * heuristic scores best (blank lines and indentation around the two edges of the block, with
 * git's weights, tuned on a corpus of real diffs). No library does this and it is what makes
 * these hunks the ones `git diff`, GitHub and the person's terminal show, so it is written here,
 * after git's documented behaviour. It moves blocks only: the counts do not change.
 *
 * Lines are compared by number (equal lines share one), and `changed` has one flag per line.
 */

/** Indents past this count as this (git's MAX_INDENT). */
const MAX_INDENT = 200
/** Blank runs past this count as this (git's MAX_BLANKS). */
const MAX_BLANKS = 20
/** A block is moved at most this far by the heuristic. */
const MAX_SLIDING = 100
/** Scores of a split (lower is better), git's empirically chosen weights. */
const START_OF_FILE_PENALTY = 1
const END_OF_FILE_PENALTY = 21
const TOTAL_BLANK_WEIGHT = -30
const POST_BLANK_WEIGHT = 6
const RELATIVE_INDENT_PENALTY = -4
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10
const RELATIVE_OUTDENT_PENALTY = 24
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17
const RELATIVE_DEDENT_PENALTY = 23
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17
const INDENT_WEIGHT = 60

/** One side of the diff: its lines, their numbers, and which changed. */
export interface DiffSide {
  readonly lines: readonly string[]
  readonly ids: ArrayLike<number>
  /** One flag per line, 1 where the line was added (new side) or removed (old side). */
  readonly changed: Uint8Array
}

/** A run of changed lines [start, end) of one side; empty (start = end) above an unchanged line. */
interface Block {
  start: number
  end: number
}

class Walker {
  constructor(readonly side: DiffSide) {}

  get length(): number {
    return this.side.lines.length
  }

  isChanged(index: number): boolean {
    return index >= 0 && index < this.length && this.side.changed[index] === 1
  }

  first(): Block {
    const block = { start: 0, end: 0 }
    while (this.isChanged(block.end)) block.end++
    return block
  }

  /** Moves to the block after the next unchanged line; false at the end. */
  next(block: Block): boolean {
    if (block.end === this.length) return false
    block.start = block.end + 1
    block.end = block.start
    while (this.isChanged(block.end)) block.end++
    return true
  }

  /** Moves to the block before the previous unchanged line; false at the start. */
  previous(block: Block): boolean {
    if (block.start === 0) return false
    block.end = block.start - 1
    block.start = block.end
    while (this.isChanged(block.start - 1)) block.start--
    return true
  }

  /** Moves the block one line down when its first line equals the line after it (joining a block it meets). */
  slideDown(block: Block): boolean {
    const { ids, changed } = this.side
    if (block.end >= this.length || ids[block.start] !== ids[block.end]) return false
    changed[block.start++] = 0
    changed[block.end++] = 1
    while (this.isChanged(block.end)) block.end++
    return true
  }

  /** Moves the block one line up when its last line equals the line before it. */
  slideUp(block: Block): boolean {
    const { ids, changed } = this.side
    if (block.start <= 0 || ids[block.start - 1] !== ids[block.end - 1]) return false
    changed[--block.start] = 1
    changed[--block.end] = 0
    while (this.isChanged(block.start - 1)) block.start--
    return true
  }
}

function lost(): Error {
  return new Error('The diff lost track of its blocks while placing them (a bug in diff-compact).')
}

/** Columns of leading whitespace (a tab to the next multiple of 8), -1 for a blank line. */
function indentOf(line: string): number {
  let indent = 0
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i)
    if (c === 0x20) indent++
    else if (c === 0x09) indent += 8 - (indent % 8)
    else if (c !== 0x0a && c !== 0x0d) return indent
    if (indent >= MAX_INDENT) return MAX_INDENT
  }
  return -1
}

interface Score {
  effectiveIndent: number
  penalty: number
}

/** Adds the badness of splitting the side just above line `split` (git's measure and score of a split). */
function addSplitScore(lines: readonly string[], split: number, score: Score): void {
  const endOfFile = split >= lines.length
  const indent = endOfFile ? -1 : indentOf(lines[split] ?? '')
  let preBlank = 0
  let preIndent = -1
  for (let i = split - 1; i >= 0; i--) {
    preIndent = indentOf(lines[i] ?? '')
    if (preIndent !== -1) break
    if (++preBlank === MAX_BLANKS) {
      preIndent = 0
      break
    }
  }
  let postBlankAfter = 0
  let postIndent = -1
  for (let i = split + 1; i < lines.length; i++) {
    postIndent = indentOf(lines[i] ?? '')
    if (postIndent !== -1) break
    if (++postBlankAfter === MAX_BLANKS) {
      postIndent = 0
      break
    }
  }

  if (preIndent === -1 && preBlank === 0) score.penalty += START_OF_FILE_PENALTY
  if (endOfFile) score.penalty += END_OF_FILE_PENALTY
  const postBlank = indent === -1 ? 1 + postBlankAfter : 0
  const totalBlank = preBlank + postBlank
  score.penalty += TOTAL_BLANK_WEIGHT * totalBlank + POST_BLANK_WEIGHT * postBlank
  const effective = indent !== -1 ? indent : postIndent
  const blanks = totalBlank !== 0
  score.effectiveIndent += effective
  if (effective === -1 || preIndent === -1 || effective === preIndent) return
  if (effective > preIndent) score.penalty += blanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY
  // Less indented than the line before: a block's start when the next line is deeper, else its end.
  else if (postIndent !== -1 && postIndent > effective)
    score.penalty += blanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY
  else score.penalty += blanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY
}

function compareScores(a: Score, b: Score): number {
  return INDENT_WEIGHT * Math.sign(a.effectiveIndent - b.effectiveIndent) + (a.penalty - b.penalty)
}

/** The lowest end the heuristic likes for a block that can end anywhere in [earliestEnd, block.end]. */
function bestEnd(lines: readonly string[], block: Block, size: number, earliestEnd: number): number {
  let best = -1
  let bestScore: Score = { effectiveIndent: 0, penalty: 0 }
  for (let end = Math.max(earliestEnd, block.end - size - 1, block.end - MAX_SLIDING); end <= block.end; end++) {
    const score = { effectiveIndent: 0, penalty: 0 }
    addSplitScore(lines, end, score)
    addSplitScore(lines, end - size, score)
    // Ties go to the lower position, as in git.
    if (best === -1 || compareScores(score, bestScore) <= 0) {
      best = end
      bestScore = score
    }
  }
  return best
}

/** Places the blocks of `side`, keeping `other`'s blocks in step (git's xdl_change_compact). */
function compactSide(side: DiffSide, other: DiffSide): void {
  const here = new Walker(side)
  const there = new Walker(other)
  const block = here.first()
  const facing = there.first()
  for (;;) {
    if (block.end > block.start) {
      let size: number
      let earliestEnd: number
      let endBesideOther: number
      do {
        size = block.end - block.start
        endBesideOther = -1
        while (here.slideUp(block)) if (!there.previous(facing)) throw lost()
        earliestEnd = block.end
        if (facing.end > facing.start) endBesideOther = block.end
        while (here.slideDown(block)) {
          if (!there.next(facing)) throw lost()
          if (facing.end > facing.start) endBesideOther = block.end
        }
        // Sliding joined another block: start again with the larger one.
      } while (size !== block.end - block.start)

      if (block.end !== earliestEnd) {
        const target = endBesideOther !== -1 ? null : bestEnd(side.lines, block, size, earliestEnd)
        while (target === null ? facing.end === facing.start : block.end > target) {
          if (!here.slideUp(block) || !there.previous(facing)) throw lost()
        }
      }
    }
    if (!here.next(block)) break
    if (!there.next(facing)) throw lost()
  }
}

/** Moves the changed blocks of both sides where git would show them. */
export function compactChanges(before: DiffSide, after: DiffSide): void {
  compactSide(before, after)
  compactSide(after, before)
}
