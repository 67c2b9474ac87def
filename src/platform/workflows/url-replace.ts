/**
 * Replacing one URL with another inside a SQL string value, the way WordPress's own tools
 * (`wp search-replace`) do it: PHP serialized data stays valid. In `s:N:"...";` N is the byte
 * length of the string, so when a replacement changes the length, N is rewritten; arrays and
 * objects are walked to any depth, and a serialized string whose content is itself serialized
 * data (double serialization, as some plugins store) is walked too. A value that is not
 * serialized, or only looks like it and does not parse, gets a plain replacement.
 *
 * Hand-written rather than a PHP-unserialize library: those turn the data into JS values and
 * lose what JS cannot hold (ints past 2^53, the exact text of floats, references, class names,
 * private-property markers), while a clone must leave every byte it does not replace exactly as
 * it was. This walks the serialized text itself and copies what it does not change.
 *
 * All text here is a *binary string*: one char per byte (latin1), so `length` is the byte length
 * PHP counts, UTF-8 text round-trips unchanged, and a dump with bytes that are not valid UTF-8
 * (blobs) does too. A UTF-8 needle matches only at character boundaries in UTF-8 text, so
 * byte-wise replacement is safe for multibyte content. Array keys, property names and class
 * names are left alone (as `wp search-replace` does), and so are `C:` (custom-serialized)
 * payloads, whose format only their class knows.
 */

/** A string as its UTF-8 bytes, one char per byte. */
export function toBinary(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

/** The text of a binary string's UTF-8 bytes. */
export function fromBinary(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('utf8')
}

// MySQL's escapes in string literals; any other `\x` is `x`. `\%` and `\_` keep their backslash.
const SQL_UNESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  '%': '\\%',
  _: '\\_',
}

// What mysqldump (mysql_real_escape_string) escapes, and how.
const SQL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\x1a': '\\Z',
}

const UNESCAPE_SINGLE = /\\([\s\S])|''/g
const UNESCAPE_DOUBLE = /\\([\s\S])|""/g

/** The value of a SQL string literal's body (between its quotes), as MySQL reads it. */
export function unescapeSqlString(body: string, quote: "'" | '"' = "'"): string {
  if (!body.includes('\\') && !body.includes(quote)) return body
  return body.replace(quote === "'" ? UNESCAPE_SINGLE : UNESCAPE_DOUBLE, (_match, escaped: string | undefined) => {
    if (escaped === undefined) return quote
    return Object.hasOwn(SQL_UNESCAPES, escaped) ? (SQL_UNESCAPES[escaped] as string) : escaped
  })
}

/** A SQL string literal's body for `value`, escaped as mysqldump escapes it. */
export function escapeSqlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\'"\n\r\0\x1a]/g, (char) => SQL_ESCAPES[char] as string)
}

/**
 * How many levels of serialized data inside serialized strings are walked. Arrays and objects
 * are walked without a limit (iteratively, so deep data cannot overflow the stack); serialized
 * data nested in strings this deep is not something any plugin writes.
 */
const MAX_STRING_NESTING = 64

const NULL_OR_SCALAR =
  /N;|b:[01];|i:[+-]?\d+;|d:(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NAN);|[rR]:\d+;/y
const STRING_HEAD = /s:(\d+):"/y
const ESCAPED_STRING_HEAD = /S:(\d+):"/y
const ENUM_HEAD = /E:(\d+):"/y
const ARRAY_HEAD = /a:(\d+):\{/y
const OBJECT_HEAD = /([OC]):(\d+):"/y
const COUNT_HEAD = /":(\d+):\{/y

/** Matches `pattern` (sticky) at `at` in `text`. */
function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at
  return pattern.exec(text)
}

/**
 * Replaces every `from` with `to` in values, counting the replacements. One instance per
 * clone: `count` adds up over every value it rewrites.
 */
export class UrlReplacer {
  /** Occurrences replaced so far. */
  count = 0

  /** `from` and `to` as binary strings (see toBinary). */
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    if (from === '') throw new Error('UrlReplacer needs a non-empty string to replace')
  }

  /**
   * `value` (a binary string) with every `from` replaced: as serialized PHP data when the whole
   * value is one serialized value, as plain text otherwise. Returns `value` itself (the same
   * string) when it holds no `from`.
   */
  replace(value: string, nesting = 0): string {
    if (!value.includes(this.from)) return value
    if (nesting < MAX_STRING_NESTING && /^(?:[aOCsSibdNErR][:;])/.test(value)) {
      const before = this.count
      const out: string[] = []
      if (this.walk(value, out, nesting) === value.length) return out.join('')
      this.count = before
    }
    const parts = value.split(this.from)
    this.count += parts.length - 1
    return parts.join(this.to)
  }

  /**
   * Reads the serialized value at the start of `text`, pushing its rewritten text to `out`;
   * returns where it ends, or -1 when the text is not serialized data. `open` holds, for each
   * array or object being read, how many members are still to come.
   */
  private walk(text: string, out: string[], nesting: number): number {
    const open: number[] = []
    let at = 0
    for (;;) {
      const item = this.item(text, at, out, nesting)
      if (!item) return -1
      at = item.end
      if (item.members !== undefined) open.push(item.members)
      // Close what is complete, then read the next member's key (copied as it is).
      for (;;) {
        const left = open.at(-1)
        if (left === undefined) return at
        if (left > 0) {
          open[open.length - 1] = left - 1
          at = this.key(text, at, out)
          if (at < 0) return -1
          break
        }
        if (text[at] !== '}') return -1
        out.push('}')
        at += 1
        open.pop()
      }
    }
  }

  /**
   * Reads one value at `at`: a whole scalar or string, or the head of an array or object
   * (then `members` says how many key/value pairs follow). Null when it is not serialized data.
   */
  private item(text: string, at: number, out: string[], nesting: number): { end: number; members?: number } | null {
    const scalar = matchAt(NULL_OR_SCALAR, text, at)
    if (scalar) {
      out.push(scalar[0])
      return { end: NULL_OR_SCALAR.lastIndex }
    }
    const string = matchAt(STRING_HEAD, text, at)
    if (string) {
      const start = STRING_HEAD.lastIndex
      const end = start + Number(string[1])
      if (text.slice(end, end + 2) !== '";') return null
      const value = this.replace(text.slice(start, end), nesting + 1)
      out.push(`s:${value.length}:"`, value, '";')
      return { end: end + 2 }
    }
    const array = matchAt(ARRAY_HEAD, text, at)
    if (array) {
      out.push(array[0])
      return { end: ARRAY_HEAD.lastIndex, members: Number(array[1]) }
    }
    const object = matchAt(OBJECT_HEAD, text, at)
    if (object) {
      const nameEnd = OBJECT_HEAD.lastIndex + Number(object[2])
      const count = matchAt(COUNT_HEAD, text, nameEnd)
      if (!count) return null
      const bodyStart = COUNT_HEAD.lastIndex
      if (object[1] === 'O') {
        out.push(text.slice(at, bodyStart))
        return { end: bodyStart, members: Number(count[1]) }
      }
      // C: a custom-serialized payload of a known length, copied as it is.
      const bodyEnd = bodyStart + Number(count[1])
      if (text[bodyEnd] !== '}') return null
      out.push(text.slice(at, bodyEnd + 1))
      return { end: bodyEnd + 1 }
    }
    const enumCase = matchAt(ENUM_HEAD, text, at)
    if (enumCase) {
      const end = ENUM_HEAD.lastIndex + Number(enumCase[1])
      if (text.slice(end, end + 2) !== '";') return null
      out.push(text.slice(at, end + 2))
      return { end: end + 2 }
    }
    const escaped = matchAt(ESCAPED_STRING_HEAD, text, at)
    if (escaped) {
      // S: counts characters, each a byte or a `\xx` hex escape; copied as it is.
      let end = ESCAPED_STRING_HEAD.lastIndex
      for (let left = Number(escaped[1]); left > 0 && end <= text.length; left -= 1) end += text[end] === '\\' ? 3 : 1
      if (text.slice(end, end + 2) !== '";') return null
      out.push(text.slice(at, end + 2))
      return { end: end + 2 }
    }
    return null
  }

  /** Copies an array key or property name (`i:N;` or `s:N:"...";`) as it is. */
  private key(text: string, at: number, out: string[]): number {
    const int = /i:[+-]?\d+;/y
    if (matchAt(int, text, at)) {
      out.push(text.slice(at, int.lastIndex))
      return int.lastIndex
    }
    const string = matchAt(STRING_HEAD, text, at)
    if (!string) return -1
    const end = STRING_HEAD.lastIndex + Number(string[1])
    if (text.slice(end, end + 2) !== '";') return -1
    out.push(text.slice(at, end + 2))
    return end + 2
  }
}
