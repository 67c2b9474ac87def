/**
 * Searching the whole history: commits whose message, author name or author e-mail contains
 * every word of the query (case-insensitive, with Unicode lowercasing and NFC normalisation, so
 * "ZOË" finds "Zoë" however either was typed), or whose id starts with the query (hex, at least
 * four characters). Matches come in the walk's order and the search resumes through the
 * walker's cursor, so "more results" continues exactly where the last page stopped.
 */
import type { ParsedCommit } from './objects'
import type { HistoryWalker } from './walk'

const PROGRESS_EVERY = 500
const HEX_PREFIX = /^[0-9a-f]{4,40}$/

export interface SearchOptions {
  /** Stop after this many matches (the page's size). */
  readonly limit?: number
  readonly signal?: AbortSignal
  /** Called now and then with the commits looked at so far (over all pages of this search). */
  readonly onProgress?: (scanned: number) => void
}

export interface SearchResult {
  readonly commits: ParsedCommit[]
  /** Commits looked at so far, over all pages of this search. */
  readonly scanned: number
  /** Continues the search; null when the whole history has been searched. */
  readonly cursor: string | null
}

/** Text as the search compares it. */
export function fold(text: string): string {
  return text.normalize('NFC').toLowerCase()
}

const haystacks = new WeakMap<ParsedCommit, string>()

function haystackOf(commit: ParsedCommit): string {
  let text = haystacks.get(commit)
  if (text === undefined) {
    // Separated by NUL so that a word cannot match across the end of one field and the next.
    text = fold(`${commit.message}\0${commit.author.name}\0${commit.author.email}`)
    haystacks.set(commit, text)
  }
  return text
}

/** A test for the query, or null when the query has nothing to look for. */
export function matcherFor(query: string): ((commit: ParsedCommit) => boolean) | null {
  const words = fold(query)
    .split(/\s+/u)
    .filter((word) => word !== '')
  if (words.length === 0) return null
  const prefix = words.length === 1 && HEX_PREFIX.test(words[0] as string) ? (words[0] as string) : null
  return (commit) =>
    (prefix !== null && commit.oid.startsWith(prefix)) || words.every((word) => haystackOf(commit).includes(word))
}

/**
 * The next matches of `query` in `git rev-list <tips>` order, from `cursor` (null: the newest
 * commit). Throws GitError `git_stale_cursor` for a cursor of other tips, `git_cancelled` when
 * `signal` aborts.
 */
export async function searchHistory(
  walker: HistoryWalker,
  tips: readonly string[],
  query: string,
  cursor: string | null,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const limit = options.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`A search page holds at least one match (asked ${limit}).`)
  const matches = matcherFor(query)
  if (!matches) return { commits: [], scanned: 0, cursor: null }
  const commits: ParsedCommit[] = []
  let scanned = 0
  const result = await walker.scan(
    tips,
    cursor,
    (commit, offset) => {
      scanned = offset + 1
      if (scanned % PROGRESS_EVERY === 0) options.onProgress?.(scanned)
      if (matches(commit)) commits.push(commit)
      return commits.length < limit
    },
    options.signal,
  )
  // A scan that visited nothing (an empty history) started and ended at the cursor's offset.
  if (scanned === 0) scanned = result.offset
  options.onProgress?.(scanned)
  return { commits, scanned, cursor: result.cursor }
}
