import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkSqlGz } from '../../../src/lib/archives'
import { demoDatabaseSql } from '../../../src/platform/seed/content/index'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rd-demo-sql-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const AT = new Date('2026-06-01T10:00:00Z')
const LATER = new Date('2026-08-01T10:00:00Z')

function rowsOf(sql: string, table: string): number {
  let rows = 0
  for (const line of sql.split('\n')) {
    if (!line.startsWith(`INSERT INTO \`${table}\` VALUES (`)) continue
    rows += line.split('),(').length
  }
  return rows
}

const EXPECTED_TABLES = {
  drupal8: [
    'node',
    'node_field_data',
    'users_field_data',
    'taxonomy_term_data',
    'cache_config',
    'cache_render',
    'config',
    'watchdog',
    'key_value',
    'path_alias',
  ],
  wordpress: [
    'wp_posts',
    'wp_options',
    'wp_users',
    'wp_postmeta',
    'wp_comments',
    'wp_terms',
    'wp_term_taxonomy',
    'wp_term_relationships',
    'wp_usermeta',
    'wp_links',
  ],
} as const

for (const framework of ['drupal8', 'wordpress'] as const) {
  describe(`demoDatabaseSql (${framework})`, () => {
    const postTable = framework === 'drupal8' ? 'node' : 'wp_posts'

    it('is a mysqldump with the framework tables that passes checkSqlGz', async () => {
      const sql = demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'live', at: AT })
      expect(sql.startsWith('-- MySQL dump 10.13')).toBe(true)
      expect(sql).toContain('/*!40101 SET NAMES utf8mb4 */;')
      expect(sql.trimEnd()).toMatch(/-- Dump completed on 2026-06-01 10:00:00$/)
      for (const table of EXPECTED_TABLES[framework]) {
        expect(sql).toContain(`DROP TABLE IF EXISTS \`${table}\`;\n`)
        expect(sql).toContain(`CREATE TABLE \`${table}\` (`)
        expect(sql).toContain(`LOCK TABLES \`${table}\` WRITE;`)
      }
      const file = path.join(dir, `${framework}.sql.gz`)
      await writeFile(file, gzipSync(sql))
      const checked = await checkSqlGz(file)
      expect(checked.tables).toBeGreaterThanOrEqual(10)
      expect(checked.uncompressedBytes).toBe(Buffer.byteLength(sql))
      expect(rowsOf(sql, postTable)).toBeGreaterThan(30)
    })

    it('is deterministic and grows over time', () => {
      const a = demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'live', at: AT })
      expect(demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'live', at: AT })).toBe(a)
      const later = demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'live', at: LATER })
      expect(rowsOf(later, postTable)).toBeGreaterThan(rowsOf(a, postTable))
      // What was published before stays the same later on.
      const firstTitle = /INSERT INTO `(?:node_field_data|wp_posts)` VALUES \((?:[^,]*,){5,6}'([^']+)'/.exec(a)![1]!
      expect(later).toContain(`'${firstTitle}'`)
      expect(demoDatabaseSql({ framework, siteName: 'other-site', env: 'live', at: AT })).not.toBe(a)
    })

    it('differs by environment: dev lags behind live and has its own rows', () => {
      const live = demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'live', at: LATER })
      const dev = demoDatabaseSql({ framework, siteName: 'harbour-museum', env: 'dev', at: LATER })
      expect(dev).not.toBe(live)
      expect(dev).toContain('Harbour Museum (dev)')
      expect(live).not.toContain('(dev)')
      const devPosts = rowsOf(dev, framework === 'drupal8' ? 'node' : 'wp_posts')
      const livePosts = rowsOf(live, framework === 'drupal8' ? 'node' : 'wp_posts')
      expect(framework === 'drupal8' ? devPosts < livePosts : devPosts <= livePosts + 1).toBe(true)
      expect(dev).toContain('dbserver.dev.')
    })
  })
}

it('escapes quotes the way mysqldump does', () => {
  const sql = demoDatabaseSql({ framework: 'wordpress', siteName: 'harbour-museum', env: 'live', at: AT })
  expect(sql).toContain(`'a:1:{s:13:\\"administrator\\";b:1;}'`)
  for (const line of sql.split('\n').filter((l) => l.startsWith('INSERT INTO'))) {
    expect(line.endsWith(');')).toBe(true)
    // Every single quote inside values is escaped, so quotes pair up outside escapes.
    expect(line.replace(/\\./g, '').split("'").length % 2).toBe(1)
  }
})
