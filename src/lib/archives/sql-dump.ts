/**
 * Reading a MySQL/MariaDB dump as its bytes stream by, in constant memory: its first 64 KiB are
 * sniffed (sniff.ts), its header comment says which tool and server made it, and a small lexer
 * follows the statements (strings with backslash escapes, `` `identifiers` ``, `--`/`#`/`/* *\/`
 * comments) to list the tables in order (from `CREATE TABLE`, or from `INSERT INTO` in a
 * data-only dump) and count the rows of their INSERTs. Only statement heads (256 bytes each)
 * are kept, never a statement; the table list grows with the dump's tables.
 *
 * A dump cannot hold NUL bytes, and one that ends inside a string, a comment or a row was cut
 * short; both are refused. The lexer is hand-written because no maintained library streams SQL
 * this way; it reads, never rewrites (the platform's rewriting is in its own workflows).
 */
import type { DumpTable } from '../../shared/imports'
import { ImportRefusalError } from './refusal'
import { classifyHead, SNIFF_BYTES } from './sniff'

/** What a dump holds. */
export interface DumpSummary {
  /** `mysqldump`, `mariadb-dump`, `phpMyAdmin` or null when the header does not say. */
  readonly tool: string | null
  readonly serverVersion: string | null
  readonly tables: readonly DumpTable[]
  /** The dump's own size (inflated). */
  readonly bytes: number
}

const enum State {
  /** Between statements: whitespace, comments, a lone `;`. */
  Start,
  StartDash,
  StartSlash,
  LineComment,
  BlockComment,
  BlockCommentStar,
  /** Inside a statement, outside quotes. */
  Statement,
  StatementDash,
  StatementDashDash,
  StatementSlash,
  StatementLineComment,
  StatementBlockComment,
  StatementBlockCommentStar,
  Quoted,
  QuotedEscape,
}

const HEAD_BYTES = 256
/** Header comments are looked at only this far into the dump. */
const HEADER_BYTES = 64 * 1024

const IDENT = '(?:`(?:[^`]|``)+`|[\\w$]+)'
const CREATE_TABLE = new RegExp(
  `^CREATE\\s+(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?((?:${IDENT}\\.)?${IDENT})`,
  'i',
)
const INSERT = new RegExp(
  `^(?:INSERT|REPLACE)(?:\\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*\\s+(?:INTO\\s+)?((?:${IDENT}\\.)?${IDENT})`,
  'i',
)

function tableName(qualified: string): string {
  const last = qualified.match(new RegExp(IDENT, 'g'))?.at(-1) ?? qualified
  return last.startsWith('`') ? last.slice(1, -1).replaceAll('``', '`') : last
}

interface MutableTable {
  readonly name: string
  rows: number
}

/**
 * A dump being read: `write` each piece in order (it never throws; the first problem is kept in
 * `failure`), then `end()`. Fits the gzip check as its content stage.
 */
export class DumpStage {
  failure: unknown = undefined
  private state = State.Start
  private quote = 0
  private depth = 0
  private seen = 0
  private sniffed = false
  private readonly startParts: Buffer[] = []
  private startLength = 0
  private readonly head = Buffer.alloc(HEAD_BYTES)
  private headLength = 0
  /** The statement's head has been read (its kind is known). */
  private classified = false
  private insertInto: MutableTable | null = null
  /** In an INSERT: `VALUES` was the last word at depth 0, so each `(` there opens a row. */
  private inValues = false
  /** The rows are over (a word such as `ON DUPLICATE KEY` followed them). */
  private rowsOver = false
  private word = ''
  private lastWord = ''
  private comment = ''
  private tool: string | null = null
  private serverVersion: string | null = null
  private readonly tables: MutableTable[] = []
  private readonly byName = new Map<string, MutableTable>()

  constructor(private readonly where: 'file' | 'gzip' = 'file') {}

  write(chunk: Buffer): boolean {
    if (this.failure !== undefined) return true
    try {
      this.sniffStart(chunk)
      const nul = chunk.indexOf(0)
      if (nul >= 0) throw this.notSql(this.seen + nul)
      this.lex(chunk)
      this.seen += chunk.length
    } catch (error) {
      this.fail(error)
    }
    return true
  }

  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error
  }

  /** No more bytes: the summary, or undefined with the problem in `failure`. */
  async end(): Promise<DumpSummary | undefined> {
    if (this.failure !== undefined) return undefined
    try {
      if (!this.sniffed) this.sniff(Buffer.concat(this.startParts))
      this.checkEnding()
    } catch (error) {
      this.fail(error)
      return undefined
    }
    return {
      tool: this.tool,
      serverVersion: this.serverVersion,
      tables: this.tables.map((table) => ({ name: table.name, rows: table.rows })),
      bytes: this.seen,
    }
  }

  private sniffStart(chunk: Buffer): void {
    if (this.sniffed) return
    this.startParts.push(chunk.subarray(0, SNIFF_BYTES - this.startLength))
    this.startLength += Math.min(chunk.length, SNIFF_BYTES - this.startLength)
    if (this.startLength >= SNIFF_BYTES) this.sniff(Buffer.concat(this.startParts))
  }

  private sniff(start: Buffer): void {
    this.sniffed = true
    this.startParts.length = 0
    if (classifyHead(start, this.where) !== 'sql') {
      throw new ImportRefusalError(
        'not_sql',
        'The file is an archive, not a SQL dump.',
        'Import it as the files instead, or choose a .sql, .sql.gz or .zip holding one .sql.',
      )
    }
  }

  private checkEnding(): void {
    const cut = (inside: string): ImportRefusalError =>
      new ImportRefusalError(
        'truncated',
        `The dump ends inside ${inside}${this.insertInto ? ` (in the rows of \`${this.insertInto.name}\`)` : ''}, after ${this.seen.toLocaleString('en-US')} bytes: it was cut short.`,
        'Export the database again (or get the whole file again) and import the new dump.',
      )
    switch (this.state) {
      case State.Quoted:
      case State.QuotedEscape:
        throw cut('a quoted string')
      case State.BlockComment:
      case State.BlockCommentStar:
      case State.StatementBlockComment:
      case State.StatementBlockCommentStar:
        throw cut('a /* comment */')
      default:
        if (this.depth > 0) throw cut('a parenthesis that never closes')
    }
  }

  private notSql(offset: number): ImportRefusalError {
    return new ImportRefusalError(
      'not_sql',
      `The file is not a SQL dump: it holds binary data (a NUL byte at byte ${offset.toLocaleString('en-US')}), which a dump's text never has.`,
      'Export the database again with `mysqldump` (or `mariadb-dump`) and import the .sql or .sql.gz file.',
    )
  }

  /**
   * One pass over the bytes; kept in one function so the per-byte path stays short. Inside a
   * string (most of a dump's bytes) it jumps to the next quote or backslash with `indexOf`,
   * remembering where each lies in this chunk so that no byte is searched twice.
   */
  private lex(chunk: Buffer): void {
    const length = chunk.length
    const next = { [0x27]: -1, [0x22]: -1, [0x60]: -1, [0x5c]: -1 } as Record<number, number>
    const find = (byte: number, from: number): number => {
      if (next[byte]! < from) {
        const at = chunk.indexOf(byte, from)
        next[byte] = at < 0 ? length : at
      }
      return next[byte]!
    }
    for (let i = 0; i < length; i += 1) {
      let b = chunk[i]!
      switch (this.state) {
        case State.Quoted:
          if (this.classified && b !== this.quote && b !== 0x5c) {
            const end = this.quote === 0x60 ? find(0x60, i) : Math.min(find(this.quote, i), find(0x5c, i))
            if (end >= length) {
              i = length
              break
            }
            i = end
            b = chunk[i]!
          }
          if (!this.classified && this.headLength < HEAD_BYTES) this.head[this.headLength++] = b
          if (b === this.quote) this.state = State.Statement
          else if (b === 0x5c && this.quote !== 0x60) this.state = State.QuotedEscape
          break
        case State.QuotedEscape:
          if (!this.classified && this.headLength < HEAD_BYTES) this.head[this.headLength++] = b
          this.state = State.Quoted
          break
        case State.Start:
          if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x3b) break
          if (b === 0x2d) this.state = State.StartDash
          else if (b === 0x2f) this.state = State.StartSlash
          else if (b === 0x23) this.startComment()
          else this.beginStatement(b)
          break
        case State.StartDash:
          if (b === 0x2d) this.startComment()
          else {
            this.beginStatement(0x2d)
            i -= 1
          }
          break
        case State.StartSlash:
          if (b === 0x2a) this.state = State.BlockComment
          else {
            this.beginStatement(0x2f)
            i -= 1
          }
          break
        case State.LineComment:
          if (b === 0x0a) {
            this.state = State.Start
            this.readHeaderComment()
          } else if (this.comment.length < 200 && this.seen + i < HEADER_BYTES) this.comment += String.fromCharCode(b)
          break
        case State.BlockComment:
          if (b === 0x2a) this.state = State.BlockCommentStar
          break
        case State.BlockCommentStar:
          if (b === 0x2f) this.state = State.Start
          else if (b !== 0x2a) this.state = State.BlockComment
          break
        case State.Statement:
          this.statementByte(b)
          break
        case State.StatementDash:
          if (b === 0x2d) this.state = State.StatementDashDash
          else {
            this.state = State.Statement
            i -= 1
          }
          break
        case State.StatementDashDash:
          // MySQL reads `--` as a comment only before a space or control character.
          if (b <= 0x20) this.state = b === 0x0a ? State.Statement : State.StatementLineComment
          else {
            this.state = State.Statement
            this.statementByte(0x2d)
            i -= 1
          }
          break
        case State.StatementSlash:
          if (b === 0x2a) this.state = State.StatementBlockComment
          else {
            this.state = State.Statement
            i -= 1
          }
          break
        case State.StatementLineComment:
          if (b === 0x0a) this.state = State.Statement
          break
        case State.StatementBlockComment:
          if (b === 0x2a) this.state = State.StatementBlockCommentStar
          break
        case State.StatementBlockCommentStar:
          if (b === 0x2f) this.state = State.Statement
          else if (b !== 0x2a) this.state = State.StatementBlockComment
          break
      }
    }
  }

  private startComment(): void {
    this.state = State.LineComment
    this.comment = ''
  }

  private readHeaderComment(): void {
    const line = this.comment
    this.comment = ''
    if (line === '') return
    if (/^ MySQL dump\b/.test(line)) this.tool ??= 'mysqldump'
    else if (/^ MariaDB dump\b/.test(line)) this.tool ??= 'mariadb-dump'
    else if (/^ phpMyAdmin SQL Dump\b/.test(line)) this.tool ??= 'phpMyAdmin'
    else this.serverVersion ??= /^ Server version:?\s+(\S+)/.exec(line)?.[1] ?? null
  }

  private beginStatement(first: number): void {
    this.state = State.Statement
    this.depth = 0
    this.headLength = 0
    this.classified = false
    this.insertInto = null
    this.inValues = false
    this.rowsOver = false
    this.word = ''
    this.lastWord = ''
    this.statementByte(first)
  }

  private statementByte(b: number): void {
    // Inside a row only quotes, parentheses and comments matter.
    if (
      this.depth > 0 &&
      b !== 0x27 &&
      b !== 0x22 &&
      b !== 0x60 &&
      b !== 0x28 &&
      b !== 0x29 &&
      b !== 0x2d &&
      b !== 0x2f &&
      b !== 0x23
    ) {
      return
    }
    if (this.headLength < HEAD_BYTES && !this.classified) this.head[this.headLength++] = b
    const letter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f
    if (this.depth === 0) {
      if (letter) {
        if (this.word.length < 8) this.word += String.fromCharCode(b | 0x20)
        return
      }
      if (this.word !== '') {
        this.lastWord = this.word
        this.word = ''
        // After the rows, another word (ON DUPLICATE KEY ...) ends them.
        if (this.inValues && this.lastWord !== 'values' && this.lastWord !== 'value') {
          this.inValues = false
          this.rowsOver = true
        }
      }
    }
    switch (b) {
      case 0x27: // '
      case 0x22: // "
      case 0x60: // `
        this.quote = b
        this.state = State.Quoted
        if (this.depth === 0) this.lastWord = ''
        break
      case 0x28: // (
        if (this.depth === 0) {
          if (!this.classified) this.classify()
          if (this.insertInto !== null && !this.rowsOver && (this.lastWord === 'values' || this.lastWord === 'value')) {
            this.inValues = true
          }
          if (this.inValues && this.insertInto !== null) this.insertInto.rows += 1
        }
        this.depth += 1
        break
      case 0x29: // )
        if (this.depth > 0) this.depth -= 1
        break
      case 0x3b: // ;
        if (this.depth === 0) {
          if (!this.classified) this.classify()
          this.state = State.Start
        }
        break
      case 0x2d: // -
        this.state = State.StatementDash
        break
      case 0x2f: // /
        this.state = State.StatementSlash
        break
      case 0x23: // #
        this.state = State.StatementLineComment
        break
      default:
        if (this.depth === 0 && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0x2c) this.lastWord = ''
    }
  }

  private classify(): void {
    this.classified = true
    const text = this.head.toString('utf8', 0, this.headLength)
    let match = CREATE_TABLE.exec(text)
    if (match?.[1]) {
      this.table(tableName(match[1]))
      return
    }
    match = INSERT.exec(text)
    if (match?.[1]) this.insertInto = this.table(tableName(match[1]))
  }

  private table(name: string): MutableTable {
    let table = this.byName.get(name)
    if (table === undefined) {
      table = { name, rows: 0 }
      this.byName.set(name, table)
      this.tables.push(table)
    }
    return table
  }
}
