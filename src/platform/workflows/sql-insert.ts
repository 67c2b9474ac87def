/**
 * Reading and editing one INSERT statement of a SQL dump: its table, its rows, the string
 * literals in them. An edit rewrites string values (unescaped first, escaped back only when
 * they changed) and can drop rows; everything it does not change is copied byte for byte, so a
 * statement with nothing to change comes out identical. Text is a binary string (one char per
 * byte, see url-replace.ts). The lexing follows MySQL: `'...'` and `"..."` strings with
 * backslash escapes and doubled quotes, `` `...` `` identifiers.
 */
import { escapeSqlString, unescapeSqlString } from './url-replace'

/** Where a statement's rows start, and what it inserts into. */
export interface InsertHead {
  /** The table's name, unquoted (without a database name). */
  readonly table: string
  /** The column list when the statement names one (`INSERT INTO t (a, b) VALUES`). */
  readonly columns: readonly string[] | null
  /** The offset just after `VALUES`. */
  readonly valuesAt: number
}

const IDENT = '(?:`(?:[^`]|``)+`|[\\w$]+)'
const HEAD = new RegExp(
  `^\\s*(?:INSERT|REPLACE)(?:\\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*\\s+(?:INTO\\s+)?((?:${IDENT}\\.)?${IDENT})\\s*(\\((?:[^()\`]|\`(?:[^\`]|\`\`)*\`)*\\))?\\s*VALUES?`,
  'i',
)

/** An identifier without its backticks. */
export function unquoteIdentifier(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name
}

/** The head of an INSERT (or REPLACE) statement, or null when `statement` is not one. */
export function insertHead(statement: string): InsertHead | null {
  const match = HEAD.exec(statement)
  if (!match?.[1]) return null
  const parts = match[1].match(new RegExp(IDENT, 'g')) ?? []
  const columns = match[2] ? (match[2].slice(1, -1).match(new RegExp(IDENT, 'g')) ?? []).map(unquoteIdentifier) : null
  return { table: unquoteIdentifier(parts.at(-1) ?? ''), columns, valuesAt: match[0].length }
}

/** True when a line begins an INSERT or REPLACE statement (cheap: looks at its first bytes). */
export function startsInsert(line: Buffer): boolean {
  const start = line.subarray(0, 8).toString('latin1').toUpperCase()
  return start.startsWith('INSERT') || start.startsWith('REPLACE')
}

/** The quote a lexer is inside at the end of some text: none, a string's, or an identifier's. */
export type OpenQuote = '' | "'" | '"' | '`'

const LITERAL_END: Readonly<Record<"'" | '"' | '`', RegExp>> = {
  "'": /\\[\s\S]|''|'/g,
  '"': /\\[\s\S]|""|"/g,
  '`': /``|`/g,
}
const OPENING = /['"`]/g

/**
 * Where the literal or identifier opened by `quote` ends in `text` (the index just past its
 * closing quote), searching from `from`; -1 when it does not end in `text`.
 */
function literalEnd(text: string, from: number, quote: "'" | '"' | '`'): number {
  const pattern = LITERAL_END[quote]
  pattern.lastIndex = from
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match[0] === quote) return pattern.lastIndex
  }
  return -1
}

/**
 * The quote still open at the end of `text` when it starts inside `open`. Used to join the
 * lines of a statement whose strings hold raw newlines (mysqldump escapes them; other tools
 * may not).
 */
export function openQuoteAfter(text: string, open: OpenQuote): OpenQuote {
  let at = 0
  let quote = open
  for (;;) {
    if (quote !== '') {
      const end = literalEnd(text, at, quote)
      if (end < 0) return quote
      at = end
    }
    OPENING.lastIndex = at
    const next = OPENING.exec(text)
    if (!next) return ''
    quote = next[0] as OpenQuote
    at = OPENING.lastIndex
  }
}

/** What to change in a statement. */
export interface InsertEdit {
  /** Rewrites one string value; returns the same string when nothing changes. */
  readonly value?: (value: string) => string
  /** Drops every row, or each row whose string value in column `column` (0-based) passes `test`. */
  readonly dropRow?: 'every' | { readonly column: number; readonly test: (value: string) => boolean }
}

/** The edited statement and what changed. */
export interface InsertResult {
  /** The new statement, or null when every row was dropped (leave the statement out). */
  readonly text: string | null
  /** Rows with at least one value rewritten (a changed value outside any row counts as one). */
  readonly rowsChanged: number
  readonly rowsDropped: number
  /** Rows seen in the statement. */
  readonly rows: number
}

interface Row {
  readonly before: string
  readonly text: string
  readonly drop: boolean
}

const SPECIAL = /['"`(),]/g

/**
 * Applies `edit` to an INSERT statement whose head is `head`. A statement it cannot read to
 * its end (a string or a row left open) comes back unchanged.
 */
export function editInsert(statement: string, head: InsertHead, edit: InsertEdit): InsertResult {
  const unchanged: InsertResult = { text: statement, rowsChanged: 0, rowsDropped: 0, rows: 0 }
  const rows: Row[] = []
  let pieces: string[] = []
  let copied = 0
  let lead = '' // the text before the first row (the head), then between rows
  let depth = 0
  let field = 0
  let rowChanged = false
  let rowDrop = false
  let changedRows = 0
  const take = (until: number): string => {
    pieces.push(statement.slice(copied, until))
    copied = until
    const text = pieces.join('')
    pieces = []
    return text
  }
  let at = head.valuesAt
  for (;;) {
    SPECIAL.lastIndex = at
    const found = SPECIAL.exec(statement)
    if (!found) break
    const char = found[0]
    const index = found.index
    at = index + 1
    if (char === "'" || char === '"' || char === '`') {
      const end = literalEnd(statement, at, char)
      if (end < 0) return unchanged
      at = end
      if (char === '`') continue
      let value: string | undefined
      const read = (): string => (value ??= unescapeSqlString(statement.slice(index + 1, end - 1), char))
      const drop = edit.dropRow
      if (typeof drop === 'object' && depth === 1 && field === drop.column && drop.test(read())) rowDrop = true
      if (edit.value) {
        const original = read()
        const rewritten = edit.value(original)
        if (rewritten !== original) {
          pieces.push(statement.slice(copied, index), char + escapeSqlString(rewritten) + char)
          copied = end
          if (depth > 0) rowChanged = true
          else changedRows += 1
        }
      }
    } else if (char === '(') {
      if (depth === 0) {
        lead += take(index)
        rowChanged = false
        rowDrop = edit.dropRow === 'every'
        field = 0
      }
      depth += 1
    } else if (char === ')') {
      if (depth === 0) return unchanged
      depth -= 1
      if (depth === 0) {
        rows.push({ before: lead, text: take(index + 1), drop: rowDrop })
        lead = ''
        if (rowChanged && !rowDrop) changedRows += 1
      }
    } else if (char === ',' && depth === 1) {
      field += 1
    }
  }
  if (depth !== 0) return unchanged
  const tail = lead + take(statement.length)
  const kept = rows.filter((row) => !row.drop)
  const rowsDropped = rows.length - kept.length
  if (rows.length > 0 && kept.length === 0) return { text: null, rowsChanged: 0, rowsDropped, rows: rows.length }
  // The first row takes the head before it; each other kept row the separator it had.
  const head0 = rows[0]?.before ?? ''
  const body = kept.map((row, i) => (i === 0 ? head0 : row.before) + row.text).join('')
  return { text: body + tail, rowsChanged: changedRows, rowsDropped, rows: rows.length }
}
