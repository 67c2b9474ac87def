/**
 * Checks for URL replacement tests, written apart from the implementation: a small PHP
 * unserialize over bytes (it builds JS values, which is enough to prove the text is valid
 * serialized data with every length right) and a character-by-character reader of a dump's
 * string literals.
 */

/** A parsed PHP value: enough structure for tests to look inside. */
export type PhpValue = null | boolean | number | string | PhpValue[] | { [key: string]: PhpValue }

/** Unserializes `bytes` (the whole buffer must be one value); throws with the offset on a fault. */
export function unserialize(bytes: Buffer): PhpValue {
  let at = 0
  const fail = (what: string): never => {
    throw new Error(`${what} at byte ${at} of ${JSON.stringify(bytes.toString('utf8').slice(0, 200))}`)
  }
  const expect = (text: string): void => {
    if (bytes.toString('latin1', at, at + text.length) !== text) fail(`expected ${JSON.stringify(text)}`)
    at += text.length
  }
  const number = (terminator: string): string => {
    const end = bytes.indexOf(terminator, at, 'latin1')
    if (end < 0) fail(`no ${terminator}`)
    const text = bytes.toString('latin1', at, end)
    at = end + terminator.length
    return text
  }
  const length = (): number => {
    const text = number(':')
    if (!/^\d+$/.test(text)) fail(`bad length ${text}`)
    return Number(text)
  }
  const value = (): PhpValue => {
    const type = String.fromCharCode(bytes[at] ?? 0)
    at += 1
    if (type === 'N') {
      expect(';')
      return null
    }
    expect(':')
    switch (type) {
      case 'b':
        return number(';') === '1'
      case 'i':
      case 'd':
        return Number(number(';'))
      case 's': {
        const n = length()
        expect('"')
        if (at + n > bytes.length) fail(`string of ${n} bytes runs past the end`)
        const text = bytes.toString('utf8', at, at + n)
        at += n
        expect('";')
        return text
      }
      case 'a':
      case 'O': {
        if (type === 'O') {
          const n = length()
          expect('"')
          at += n
          expect('":')
        }
        const count = length()
        expect('{')
        const out: Record<string, PhpValue> = {}
        for (let i = 0; i < count; i += 1) {
          const key = value()
          if (typeof key !== 'string' && typeof key !== 'number') fail('bad key')
          out[String(key)] = value()
        }
        expect('}')
        return out
      }
      default:
        return fail(`unknown type ${type}`)
    }
  }
  const result = value()
  if (at !== bytes.length) fail('trailing bytes')
  return result
}

const UNESCAPES: Record<string, string> = { '0': '\0', n: '\n', r: '\r', Z: '\x1a', t: '\t', b: '\b' }

/** A single-quoted literal's body (binary text, one char per byte) as the bytes of its value. */
export function unescapeLiteral(body: string): Buffer {
  let value = ''
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] === '\\') {
      const next = body[i + 1] ?? ''
      value += UNESCAPES[next] ?? next
      i += 1
    } else value += body[i]
  }
  return Buffer.from(value, 'latin1')
}

/** Each string literal's value in the INSERT statements of a dump (as bytes), read char by char. */
export function insertStrings(dump: Buffer): Buffer[] {
  const values: Buffer[] = []
  const text = dump.toString('latin1')
  const map = UNESCAPES
  for (const line of text.split('\n')) {
    if (!line.startsWith('INSERT INTO')) continue
    let i = 0
    while (i < line.length) {
      if (line[i] !== "'") {
        i += 1
        continue
      }
      let value = ''
      i += 1
      while (i < line.length && line[i] !== "'") {
        if (line[i] === '\\') {
          const next = line[i + 1] ?? ''
          value += map[next] ?? next
          i += 2
        } else {
          value += line[i]
          i += 1
        }
      }
      i += 1
      values.push(Buffer.from(value, 'latin1'))
    }
  }
  return values
}

/** True when a value reads as PHP serialized data at first sight (what the tests then check). */
export function looksSerialized(value: Buffer): boolean {
  return /^(?:[aO]:\d+:|s:\d+:")/.test(value.toString('latin1', 0, 16))
}
