/**
 * The streaming dump rewrite: untouched lines come out byte for byte, replacements work across
 * gzip chunk boundaries and in statements spread over several lines, clearing the cache drops
 * Drupal's cache rows and WordPress's transients (and nothing else), and a statement over the
 * limit fails rather than filling the memory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rewriteDump, StatementTooLong, type DumpRewrite } from '../../src/platform/workflows/dump-rewrite'
import { unescapeLiteral, unserialize } from './serialized-check'

const DEV = '://dev-demo.pantheonsite.io'
const TEST = '://test-demo.pantheonsite.io'

let dir: string
let n = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rd-dump-rewrite-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Rewrites `sql` and returns the new dump's text and the report. */
async function rewrite(sql: string | Buffer, options: DumpRewrite) {
  n += 1
  const source = join(dir, `in-${n}.sql.gz`)
  const dest = join(dir, `out-${n}.sql.gz`)
  await writeFile(source, gzipSync(typeof sql === 'string' ? Buffer.from(sql) : sql))
  const report = await rewriteDump(source, dest, options)
  return { text: gunzipSync(await readFile(dest)).toString('utf8'), report }
}

const HEADER = [
  '-- MySQL dump 10.13  Distrib 5.7.42, for Linux (x86_64)',
  `-- Host: dbserver.dev${DEV}    Database: pantheon`,
  '/*!40101 SET NAMES utf8mb4 */;',
  '',
].join('\n')

const table = (name: string, columns: string[]): string =>
  [
    `DROP TABLE IF EXISTS \`${name}\`;`,
    `CREATE TABLE \`${name}\` (`,
    columns.map((c) => `  \`${c}\` longtext`).join(',\n') + ',',
    `  PRIMARY KEY (\`${columns[0]}\`)`,
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
    `LOCK TABLES \`${name}\` WRITE;`,
  ].join('\n') + '\n'

describe('rewriteDump', () => {
  it('copies a dump with nothing to replace byte for byte, and counts nothing', async () => {
    const sql =
      HEADER +
      table('wp_posts', ['ID', 'post_content']) +
      "INSERT INTO `wp_posts` VALUES (1,'Ünïcödé \\'quoted\\' \\\"text\\\"\\nline'),(2,'https://elsewhere.example/');\n" +
      'UNLOCK TABLES;\n-- Dump completed\n'
    const { text, report } = await rewrite(sql, { replace: { from: DEV, to: TEST }, clearCache: null })
    expect(text).toBe(sql)
    expect(report).toMatchObject({ replacements: 0, rowsChanged: 0, rowsDropped: 0 })
  })

  it('replaces only inside string literals, across gzip chunks, with lines longer than a chunk', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `(${i},'<a href=\\"https${DEV}/p/${i}\\">post ${i}</a>')`)
    const long = `INSERT INTO \`wp_posts\` VALUES ${rows.join(',')};\n`
    const sql = HEADER + table('wp_posts', ['ID', 'post_content']) + long + long + 'UNLOCK TABLES;\n'
    const { text, report } = await rewrite(sql, { replace: { from: DEV, to: TEST }, clearCache: null })
    expect(long.length).toBeGreaterThan(128 * 1024)
    // The comment naming the URL is not a string literal: it stays.
    expect(text).toBe(
      HEADER + (table('wp_posts', ['ID', 'post_content']) + long + long).split(DEV).join(TEST) + 'UNLOCK TABLES;\n',
    )
    expect(report).toMatchObject({ replacements: 6000, rowsChanged: 6000 })
  })

  it('joins a statement whose strings hold raw newlines, and keeps serialized lengths right', async () => {
    const value = `line one\nhttps${DEV}/x\nline three`
    const serialized = `a:1:{s:4:"text";s:${Buffer.byteLength(value)}:"${value}";}`
    const sql =
      HEADER +
      table('wp_options', ['option_id', 'option_name', 'option_value', 'autoload']) +
      `INSERT INTO \`wp_options\` VALUES (1,'widget_text','${serialized.replaceAll('"', '\\"')}','yes'),\n(2,'home','https${DEV}','yes');\n` +
      'UNLOCK TABLES;\n'
    const { text, report } = await rewrite(sql, { replace: { from: DEV, to: TEST }, clearCache: null })
    expect(report).toMatchObject({ replacements: 2, rowsChanged: 2 })
    const body = /'widget_text','((?:[^'\\]|\\[\s\S])*)'/.exec(Buffer.from(text).toString('latin1'))?.[1]
    expect(unserialize(unescapeLiteral(body ?? ''))).toEqual({ text: value.replace(DEV, TEST) })
  })

  it('clears Drupal caches: the rows of cache_* and cachetags go, the tables and everything else stay', async () => {
    const sql =
      HEADER +
      table('cache_render', ['cid', 'data']) +
      "INSERT INTO `cache_render` VALUES ('a','x'),('b','y');\nINSERT INTO `cache_render` VALUES ('c','z');\nUNLOCK TABLES;\n" +
      table('cachetags', ['tag', 'invalidations']) +
      "INSERT INTO `cachetags` VALUES ('node:1',3);\nUNLOCK TABLES;\n" +
      table('cache_backup_keep', ['cid']) +
      'UNLOCK TABLES;\n' +
      table('node', ['nid', 'title']) +
      "INSERT INTO `node` VALUES (1,'cache_render'),(2,'Not a cache');\nUNLOCK TABLES;\n"
    const { text, report } = await rewrite(sql, { replace: null, clearCache: 'drupal' })
    expect(text).toBe(
      sql
        .split('\n')
        .filter((line) => !line.startsWith('INSERT INTO `cache'))
        .join('\n'),
    )
    expect(report).toMatchObject({ clearedTables: ['cache_render', 'cachetags'], rowsDropped: 4 })
  })

  it("clears WordPress's transients from the options table only, and drops a statement left with no rows", async () => {
    const sql =
      HEADER +
      table('wp_options', ['option_id', 'option_name', 'option_value', 'autoload']) +
      "INSERT INTO `wp_options` VALUES (1,'siteurl','https://x','yes'),(2,'_transient_doing_cron','1','yes'),(3,'_site_transient_update_core','a:0:{}','no');\n" +
      "INSERT INTO `wp_options` VALUES (4,'_transient_timeout_feed','1','no');\n" +
      'UNLOCK TABLES;\n' +
      table('wp_postmeta', ['meta_id', 'meta_key']) +
      "INSERT INTO `wp_postmeta` VALUES (1,'_transient_not_an_option');\nUNLOCK TABLES;\n"
    const { text, report } = await rewrite(sql, { replace: null, clearCache: 'wordpress' })
    expect(text).toBe(
      sql
        .replace(",(2,'_transient_doing_cron','1','yes'),(3,'_site_transient_update_core','a:0:{}','no')", '')
        .replace("INSERT INTO `wp_options` VALUES (4,'_transient_timeout_feed','1','no');\n", ''),
    )
    expect(report.rowsDropped).toBe(3)
    expect([...report.droppedFrom]).toEqual([['wp_options', 3]])
    expect(report.clearedTables).toEqual([])
  })

  it('keeps bytes that are not UTF-8 (blobs) as they are', async () => {
    const blob = Buffer.from([0xff, 0xfe, 0x80, 0x41])
    const sql = Buffer.concat([
      Buffer.from(HEADER + "INSERT INTO `cache_data` VALUES ('k','"),
      blob,
      Buffer.from(`','https${DEV}');\n`),
    ])
    n += 1
    const source = join(dir, `blob-${n}.sql.gz`)
    const dest = join(dir, `blob-out-${n}.sql.gz`)
    await writeFile(source, gzipSync(sql))
    await rewriteDump(source, dest, { replace: { from: DEV, to: TEST }, clearCache: null })
    const out = gunzipSync(await readFile(dest))
    expect(out).toEqual(
      Buffer.concat([
        Buffer.from(HEADER + "INSERT INTO `cache_data` VALUES ('k','"),
        blob,
        Buffer.from(`','https${TEST}');\n`),
      ]),
    )
  })

  it('fails on a statement longer than the limit instead of reading it all into memory', async () => {
    const sql = HEADER + `INSERT INTO \`wp_posts\` VALUES (1,'${'x'.repeat(200_000)}`
    await expect(
      rewrite(sql, { replace: { from: DEV, to: TEST }, clearCache: null, maxStatementBytes: 100_000 }),
    ).rejects.toBeInstanceOf(StatementTooLong)
  })

  it('fails on a broken gzip stream', async () => {
    n += 1
    const source = join(dir, `broken-${n}.sql.gz`)
    const whole = gzipSync(Buffer.from(HEADER + 'x'.repeat(100_000)))
    await writeFile(source, whole.subarray(0, whole.length / 2))
    await expect(
      rewriteDump(source, join(dir, `broken-out-${n}.sql.gz`), { replace: { from: DEV, to: TEST }, clearCache: null }),
    ).rejects.toThrow(/unexpected end of file/i)
  })
})
