/**
 * Rewrites a gzipped SQL dump in one streaming pass (gunzip → statement by statement → gzip),
 * for a database clone: replacing a URL in every string value (url-replace.ts) and clearing the
 * cache (dropping the rows of Drupal's cache tables, or WordPress's transients). Memory is
 * bounded by the longest line, since mysqldump writes one statement per line, with newlines
 * inside strings escaped as `\n`; a statement whose strings hold raw newlines (other tools) is
 * joined from its lines first, so then by the longest statement. Past `maxStatementBytes` the
 * rewrite fails rather than filling the memory. Lines that are not INSERT statements, and
 * statements with nothing to change, are copied byte for byte.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { formatBytes } from '../../lib/format-bytes'
import { editInsert, insertHead, openQuoteAfter, startsInsert, unquoteIdentifier, type InsertEdit } from './sql-insert'
import type { OpenQuote } from './sql-insert'
import { toBinary, UrlReplacer } from './url-replace'

/** Whose cache to clear: Drupal's cache tables or WordPress's transients. */
export type CacheRules = 'drupal' | 'wordpress'

/** What to change in a dump. */
export interface DumpRewrite {
  /** Replace `from` with `to` (UTF-8 text) in every string value. */
  readonly replace: { readonly from: string; readonly to: string } | null
  readonly clearCache: CacheRules | null
  /** The longest statement taken; default 256 MiB. */
  readonly maxStatementBytes?: number
}

/** What a rewrite changed. */
export interface DumpRewriteReport {
  replacements: number
  /** Rows with at least one replacement. */
  rowsChanged: number
  /** Tables whose rows were all dropped (Drupal's cache tables), in dump order. */
  readonly clearedTables: string[]
  /** Rows dropped: cache rows and transients. */
  rowsDropped: number
  /** Tables rows were dropped from, with how many each (transients: the options tables). */
  readonly droppedFrom: Map<string, number>
}

/** A statement over the limit; its message says what to do. */
export class StatementTooLong extends Error {}

/** Drupal's cache bins (`cache_*`, Drupal 7's `cache`) and its cache tag invalidations. */
export function isDrupalCacheTable(table: string): boolean {
  return table === 'cache' || table === 'cachetags' || (table.startsWith('cache_') && table.length > 6)
}

/** A WordPress transient (`_transient_*`, `_site_transient_*`, their timeouts included). */
export function isTransient(optionName: string): boolean {
  return optionName.startsWith('_transient_') || optionName.startsWith('_site_transient_')
}

// A backslash before a character MySQL does not unescape specially hides that character from a
// plain search of the dump's text (`\:` reads as `:`): such statements are searched value by value.
const UNUSUAL_ESCAPE = /\\[^\\'"0nrtbZ%_]/
const CREATE_TABLE =
  /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:`(?:[^`]|``)+`|[\w$]+)\.)?(`(?:[^`]|``)+`|[\w$]+)/i
const COLUMN_LINE = /^\s+(`(?:[^`]|``)+`)\s/
const STATEMENT_END = /;\s*$/

class DumpRewriter extends Transform {
  readonly report: DumpRewriteReport = {
    replacements: 0,
    rowsChanged: 0,
    clearedTables: [],
    rowsDropped: 0,
    droppedFrom: new Map(),
  }
  private readonly replacer: UrlReplacer | null
  private readonly limit: number
  private partial: Buffer[] = []
  private partialBytes = 0
  private statement: string[] | null = null
  private statementBytes = 0
  private open: OpenQuote = ''
  private out: Buffer[] = []
  /** Columns of each table, from its CREATE TABLE (to find WordPress's option_name). */
  private readonly columns = new Map<string, string[]>()
  private creating: string[] | null = null

  constructor(private readonly rewrite: DumpRewrite) {
    super()
    this.replacer = rewrite.replace
      ? new UrlReplacer(toBinary(rewrite.replace.from), toBinary(rewrite.replace.to))
      : null
    this.limit = rewrite.maxStatementBytes ?? 256 * 1024 * 1024
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let start = 0
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, newline + 1)
        const line = this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece
        this.partial = []
        this.partialBytes = 0
        this.line(line)
        start = newline + 1
      }
      if (start < chunk.length) {
        this.partial.push(chunk.subarray(start))
        this.partialBytes += chunk.length - start
        this.checkLength(this.partialBytes + this.statementBytes)
      }
      callback(null, this.drain())
    } catch (error) {
      callback(error as Error)
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.partial.length > 0) this.line(Buffer.concat(this.partial))
      if (this.statement) this.finishStatement()
      callback(null, this.drain())
    } catch (error) {
      callback(error as Error)
    }
  }

  private drain(): Buffer | undefined {
    const out = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out)
    this.out = []
    return out && out.length > 0 ? out : undefined
  }

  private checkLength(bytes: number): void {
    if (bytes > this.limit)
      throw new StatementTooLong(
        `A statement in the database dump is longer than ${formatBytes(this.limit)}, more than a clone rewrites. Clone without URL replacement and cache clearing, or export the database with smaller INSERT statements (mysqldump --net-buffer-length).`,
      )
  }

  private line(line: Buffer): void {
    if (this.statement || startsInsert(line)) {
      const text = line.toString('latin1')
      this.statement ??= []
      this.statement.push(text)
      this.statementBytes += line.length
      this.checkLength(this.statementBytes)
      this.open = openQuoteAfter(text, this.open)
      if (this.open === '' && STATEMENT_END.test(text)) this.finishStatement()
      return
    }
    if (this.rewrite.clearCache === 'wordpress') this.trackColumns(line)
    this.out.push(line)
  }

  private trackColumns(line: Buffer): void {
    const first = line[0]
    if (this.creating) {
      const column = first === 0x20 ? COLUMN_LINE.exec(line.toString('latin1')) : null
      if (column?.[1]) this.creating.push(unquoteIdentifier(column[1]))
      else if (first === 0x29 /* ) */) this.creating = null
    } else if (first === 0x43 || first === 0x63 /* C, c */) {
      const table = CREATE_TABLE.exec(line.toString('latin1'))?.[1]
      if (!table) return
      this.creating = []
      this.columns.set(unquoteIdentifier(table), this.creating)
    }
  }

  private finishStatement(): void {
    const text = (this.statement ?? []).join('')
    this.statement = null
    this.statementBytes = 0
    this.open = ''
    const head = insertHead(text)
    const edit = head ? this.editFor(text, head.table, head.columns) : undefined
    if (!head || !edit) {
      this.out.push(Buffer.from(text, 'latin1'))
      return
    }
    const result = editInsert(text, head, edit)
    this.report.rowsChanged += result.rowsChanged
    if (this.replacer) this.report.replacements = this.replacer.count
    if (result.rowsDropped > 0) {
      this.report.rowsDropped += result.rowsDropped
      this.report.droppedFrom.set(head.table, (this.report.droppedFrom.get(head.table) ?? 0) + result.rowsDropped)
      if (result.text === null && !this.report.clearedTables.includes(head.table) && this.isCacheTable(head.table))
        this.report.clearedTables.push(head.table)
    }
    if (result.text !== null) this.out.push(Buffer.from(result.text, 'latin1'))
  }

  private isCacheTable(table: string): boolean {
    return this.rewrite.clearCache === 'drupal' && isDrupalCacheTable(table)
  }

  /** What to do to one INSERT statement, or undefined to copy it as it is. */
  private editFor(text: string, table: string, named: readonly string[] | null): InsertEdit | undefined {
    if (this.isCacheTable(table)) return { dropRow: 'every' }
    let dropRow: InsertEdit['dropRow']
    if (this.rewrite.clearCache === 'wordpress' && table.endsWith('options')) {
      const column = (named ?? this.columns.get(table) ?? []).indexOf('option_name')
      if (column >= 0) dropRow = { column, test: isTransient }
    }
    const replacer = this.replacer
    const value =
      replacer && (text.includes(replacer.from) || UNUSUAL_ESCAPE.test(text))
        ? (value: string) => replacer.replace(value)
        : undefined
    if (!dropRow && !value) return undefined
    return { ...(dropRow ? { dropRow } : {}), ...(value ? { value } : {}) }
  }
}

/**
 * Rewrites the gzipped dump `source` into `dest` (a new gzip file). Throws what the streams
 * throw (a missing source, a broken gzip) or StatementTooLong; the caller words them.
 */
export async function rewriteDump(
  source: string,
  dest: string,
  rewrite: DumpRewrite,
  signal: AbortSignal = new AbortController().signal,
): Promise<DumpRewriteReport> {
  const rewriter = new DumpRewriter(rewrite)
  await pipeline(createReadStream(source), createGunzip(), rewriter, createGzip(), createWriteStream(dest), { signal })
  return rewriter.report
}
