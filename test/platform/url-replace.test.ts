/**
 * URL replacement in SQL string values: PHP serialized data stays valid (lengths rewritten,
 * nested and double-serialized data walked, multibyte text counted in bytes), values that are
 * not serialized get a plain replacement, SQL escaping round-trips, and untouched data comes
 * out byte for byte. Expected values are built with the test's own PHP serializer.
 */
import { describe, expect, it } from 'vitest'
import { editInsert, insertHead } from '../../src/platform/workflows/sql-insert'
import {
  escapeSqlString,
  fromBinary,
  toBinary,
  unescapeSqlString,
  UrlReplacer,
} from '../../src/platform/workflows/url-replace'
import { unserialize } from './serialized-check'

const DEV = '://dev-demo-wordpress.pantheonsite.io'
const TEST = '://test-demo-wordpress.pantheonsite.io'
const LIVE = '://www.example.com'

type Php = null | boolean | number | string | Php[] | { readonly [key: string]: Php } | PhpObject
class PhpObject {
  constructor(
    readonly className: string,
    readonly props: Readonly<Record<string, Php>>,
  ) {}
}

/** PHP's serialize(), for the values these tests use (lengths in UTF-8 bytes). */
function serialize(value: Php): string {
  if (value === null) return 'N;'
  if (typeof value === 'boolean') return `b:${value ? 1 : 0};`
  if (typeof value === 'number') return Number.isInteger(value) ? `i:${value};` : `d:${value};`
  if (typeof value === 'string') return `s:${Buffer.byteLength(value)}:"${value}";`
  const members = (entries: [string | number, Php][]): string =>
    `${entries.length}:{${entries.map(([k, v]) => (typeof k === 'number' ? `i:${k};` : serialize(k)) + serialize(v)).join('')}}`
  if (value instanceof PhpObject)
    return `O:${Buffer.byteLength(value.className)}:"${value.className}":${members(Object.entries(value.props))}`
  if (Array.isArray(value)) return `a:${members(value.map((v, i) => [i, v]))}`
  return `a:${members(Object.entries(value))}`
}

/** Replaces in every string of a value (not in keys), as the expected result. */
function replaced(value: Php, from: string, to: string): Php {
  if (typeof value === 'string') return value.split(from).join(to)
  if (value === null || typeof value !== 'object') return value
  if (value instanceof PhpObject)
    return new PhpObject(
      value.className,
      Object.fromEntries(Object.entries(value.props).map(([k, v]) => [k, replaced(v, from, to)])),
    )
  if (Array.isArray(value)) return value.map((v) => replaced(v, from, to))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaced(v, from, to)]))
}

/** Runs the replacer over UTF-8 text (as the dump's bytes), returning text and count. */
function run(text: string, from = DEV, to = TEST): { text: string; count: number } {
  const replacer = new UrlReplacer(toBinary(from), toBinary(to))
  return { text: fromBinary(replacer.replace(toBinary(text))), count: replacer.count }
}

const widget: Php = {
  '2': {
    title: 'Find us',
    text: `<p>Visit <a href="https${DEV}/contact/">our contact page</a> or <a href='https${DEV}/'>home</a>.</p>`,
    filter: true,
    visual: true,
  },
  '3': { title: 'Empty', text: '', filter: false, visual: true },
  _multiwidget: 1,
}

describe('UrlReplacer on serialized data', () => {
  for (const [name, to] of [
    ['a longer URL', TEST],
    ['a shorter URL', LIVE],
  ] as const) {
    it(`rewrites string lengths for ${name}`, () => {
      const value: Php = { url: `https${DEV}`, home: `https${DEV}/`, count: 3, name: 'no url here' }
      const out = run(serialize(value), DEV, to)
      expect(out.text).toBe(serialize(replaced(value, DEV, to)))
      expect(out.count).toBe(2)
      expect(unserialize(Buffer.from(out.text))).toEqual({
        url: `https${to}`,
        home: `https${to}/`,
        count: 3,
        name: 'no url here',
      })
    })
  }

  it('walks nested arrays and objects, leaving keys and class names alone', () => {
    const value: Php = [
      new PhpObject('stdClass', {
        link: `https${DEV}/a`,
        nested: { deeper: [`https${DEV}/b`, 7, null, false, new PhpObject('WP_Post', { guid: `https${DEV}/?p=3` })] },
      }),
      { [`https${DEV}`]: 'key with the url stays' },
    ]
    const out = run(serialize(value))
    expect(out.text).toBe(serialize(replaced(value, DEV, TEST)))
    expect(out.text).toContain(`s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";s:22:"key with the url stays"`)
    expect(out.count).toBe(3)
  })

  it('walks serialized data inside a serialized string (double serialization)', () => {
    const inner: Php = { src: `https${DEV}/wp-content/uploads/logo.png`, alt: 'Logo' }
    const value: Php = { settings: serialize(inner), plain: `https${DEV}` }
    const twice = serialize(serialize(value))
    const out = run(twice)
    expect(out.text).toBe(
      serialize(serialize({ settings: serialize(replaced(inner, DEV, TEST)), plain: `https${TEST}` })),
    )
    expect(out.count).toBe(2)
    const outer = unserialize(Buffer.from(out.text)) as string
    const middle = unserialize(Buffer.from(outer)) as Record<string, string>
    expect(unserialize(Buffer.from(middle.settings as string))).toEqual({
      src: `https${TEST}/wp-content/uploads/logo.png`,
      alt: 'Logo',
    })
  })

  it('counts multibyte text in bytes, in the value and in the URLs', () => {
    const value: Php = { title: 'Ünïcödé – 日本語 🚀', link: `https${DEV}/café/`, emoji: '😀' }
    const idn = '://tëst-démo.example'
    const out = run(serialize(value), DEV, idn)
    expect(out.text).toBe(serialize(replaced(value, DEV, idn)))
    expect(out.text).toContain(`s:${Buffer.byteLength(`https${idn}/café/`)}:"https${idn}/café/"`)
    expect(unserialize(Buffer.from(out.text))).toMatchObject({ link: `https${idn}/café/` })
  })

  it('keeps what it does not understand byte for byte: floats, big ints, references, C: payloads, enums', () => {
    const text =
      'a:7:{i:0;d:0.1000000000000000055511151231257827;i:1;i:92233720368547758;i:2;R:2;i:3;r:1;' +
      'i:4;C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}' +
      `i:5;E:11:"Suit:Hearts";i:6;s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";}`
    const out = run(text)
    expect(out.text).toBe(
      text.replace(
        `s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}"`,
        `s:${Buffer.byteLength(`https${TEST}`)}:"https${TEST}"`,
      ),
    )
    expect(out.count).toBe(1)
  })

  it('replaces as plain text in strings that look serialized but are not valid', () => {
    for (const broken of [
      `a:1:{s:3:"url";s:99:"https${DEV}";}`, // a wrong length
      `a:2:{s:3:"url";s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";}`, // fewer members than it says
      `s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";trailing`, // more after the value
      `a:1:{s:3:"url";s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";`, // no closing brace
      `_sf2_attributes|a:1:{s:4:"from";s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";}`, // a session, not one value
    ]) {
      const out = run(broken)
      expect(out.text, broken).toBe(broken.split(DEV).join(TEST))
      expect(out.count).toBe(1)
    }
  })

  it('replaces every occurrence in text that is not serialized, and returns untouched text as the same string', () => {
    expect(run(`<a href="https${DEV}/x">x</a> and https${DEV}${DEV}`)).toEqual({
      text: `<a href="https${TEST}/x">x</a> and https${TEST}${TEST}`,
      count: 3,
    })
    const replacer = new UrlReplacer(toBinary(DEV), toBinary(TEST))
    const untouched = toBinary(serialize({ a: 'https://elsewhere.example', b: 'Ünïcödé' }))
    expect(replacer.replace(untouched)).toBe(untouched)
    expect(replacer.count).toBe(0)
  })

  it('handles data nested thousands deep without overflowing the stack', () => {
    let value = `s:${Buffer.byteLength(`https${DEV}`)}:"https${DEV}";`
    for (let i = 0; i < 3000; i += 1) value = `a:1:{i:0;${value}}`
    const out = run(value)
    expect(out.count).toBe(1)
    expect(out.text).toContain(`s:${Buffer.byteLength(`https${TEST}`)}:"https${TEST}";`)
  })
})

describe('SQL string escaping', () => {
  it('unescapes every mysqldump escape and escapes back to the same bytes', () => {
    const body = `it\\'s \\"quoted\\" a\\\\b line\\nbreak\\r nul\\0 ctrlz\\Z end`
    const value = unescapeSqlString(body)
    expect(value).toBe(`it's "quoted" a\\b line\nbreak\r nul\0 ctrlz\x1a end`)
    expect(escapeSqlString(value)).toBe(body)
  })

  it('reads doubled quotes, MySQL escapes mysqldump does not write, and double-quoted strings', () => {
    expect(unescapeSqlString("it''s \\t tab \\% \\_ \\x")).toBe("it's \t tab \\% \\_ x")
    expect(unescapeSqlString('say ""hi"" \\"', '"')).toBe('say "hi" "')
  })
})

/** A WordPress options INSERT as mysqldump writes it (escaped by the test's own rules). */
function optionsInsert(rows: [number, string, string, string][]): string {
  const esc = (text: string): string =>
    // eslint-disable-next-line no-control-regex
    `'${toBinary(text).replace(/[\\'"\n\r\0\x1a]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\x1a': '\\Z' })[c] as string)}'`
  return `INSERT INTO \`wp_options\` VALUES ${rows.map(([id, name, value, autoload]) => `(${id},${esc(name)},${esc(value)},${esc(autoload)})`).join(',')};\n`
}

describe('editInsert with a URL replacement', () => {
  const rows = (from: string): [number, string, string, string][] => [
    [1, 'siteurl', `https${from}`, 'yes'],
    [2, 'home', `https${from}`, 'yes'],
    [3, 'blogname', 'Demo WordPress — it\'s "ours"\nsecond line', 'yes'],
    [4, 'widget_text', serialize(replaced(widget, DEV, from)), 'yes'],
    [5, 'active_plugins', 'a:1:{i:0;s:27:"demo-custom/demo-custom.php";}', 'yes'],
  ]

  it('rewrites siteurl, home and a widget array, keeping the other rows byte for byte', () => {
    const statement = optionsInsert(rows(DEV))
    const replacer = new UrlReplacer(toBinary(DEV), toBinary(TEST))
    const head = insertHead(statement)
    expect(head).toMatchObject({ table: 'wp_options', columns: null })
    const result = editInsert(statement, head!, { value: (v) => replacer.replace(v) })
    expect(result.text).toBe(optionsInsert(rows(TEST)))
    expect(result).toMatchObject({ rowsChanged: 3, rowsDropped: 0, rows: 5 })
    expect(replacer.count).toBe(4)
    // The widget's strings, with their escaped quotes, still unserialize.
    const widgetValue = unescapeSqlString(/\(4,'widget_text','((?:[^'\\]|\\.)*)'/.exec(result.text ?? '')?.[1] ?? '')
    expect(unserialize(Buffer.from(widgetValue, 'latin1'))).toMatchObject({
      '2': { text: expect.stringContaining(`href="https${TEST}/contact/"`) },
    })
  })

  it('leaves a statement with no match identical', () => {
    const statement = optionsInsert(rows('://elsewhere.example'))
    const replacer = new UrlReplacer(toBinary(DEV), toBinary(TEST))
    const result = editInsert(statement, insertHead(statement)!, { value: (v) => replacer.replace(v) })
    expect(result.text).toBe(statement)
    expect(result.rowsChanged).toBe(0)
  })

  it('drops rows by a column value, keeping the separators of the rest', () => {
    const statement = optionsInsert([
      [1, '_transient_doing_cron', '1', 'yes'],
      [2, 'siteurl', `https${DEV}`, 'yes'],
      [3, '_site_transient_timeout_theme_roots', '1700000000', 'no'],
      [4, 'home', `https${DEV}`, 'yes'],
    ])
    const result = editInsert(statement, insertHead(statement)!, {
      dropRow: { column: 1, test: (v) => v.startsWith('_transient_') || v.startsWith('_site_transient_') },
    })
    expect(result.text).toBe(
      optionsInsert([
        [2, 'siteurl', `https${DEV}`, 'yes'],
        [4, 'home', `https${DEV}`, 'yes'],
      ]),
    )
    expect(result.rowsDropped).toBe(2)
    const all = editInsert(statement, insertHead(statement)!, { dropRow: 'every' })
    expect(all.text).toBeNull()
  })

  it('reads heads with a column list, a database name, REPLACE and IGNORE', () => {
    expect(insertHead("INSERT INTO `db`.`wp_options` (`option_id`, `option_name`) VALUES (1,'a');")).toMatchObject({
      table: 'wp_options',
      columns: ['option_id', 'option_name'],
    })
    expect(insertHead("REPLACE INTO t VALUES (1,'a');")?.table).toBe('t')
    expect(insertHead('INSERT IGNORE INTO `cache_data` VALUES (1);')?.table).toBe('cache_data')
    expect(insertHead('CREATE TABLE `x` (')).toBeNull()
  })

  it('leaves a statement it cannot read to its end unchanged', () => {
    const statement = `INSERT INTO \`wp_options\` VALUES (1,'siteurl','https${DEV}`
    const replacer = new UrlReplacer(toBinary(DEV), toBinary(TEST))
    expect(editInsert(statement, insertHead(statement)!, { value: (v) => replacer.replace(v) }).text).toBe(statement)
  })
})
