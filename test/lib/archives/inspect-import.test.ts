/**
 * inspectImport on every kind it accepts (real mysqldump and mariadb-dump openings as .sql,
 * .sql.gz and a zip of one .sql; files as tar, tar.gz and zip) and every kind it refuses, each
 * refusal with its code, a problem that names what is wrong and a todo that says what to do.
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { inspectImport, type InspectImportOptions } from '../../../src/lib/archives'
import { tarBytes, tarGzBytes } from './craft'
import {
  COMPACT_DUMP,
  DUMP_TABLES,
  HTML_ERROR_PAGE,
  MARIADB_DUMP_10_11,
  MARIADB_DUMP_11_4,
  MYSQLDUMP_8,
  PHPMYADMIN_DUMP,
  POSTGRES_CUSTOM,
  POSTGRES_PLAIN,
  SQLITE,
} from './dumps'
import { useScratchDir } from './scratch'
import { zipArchive } from './zip-craft'

const scratch = useScratchDir('rd-inspect-import-')
const LIMITS: InspectImportOptions = { maxBytes: 64 * 1024 * 1024, maxUncompressedBytes: 256 * 1024 * 1024 }

let counter = 0
async function inspect(data: string | Buffer, options: Partial<InspectImportOptions> = {}) {
  const file = await scratch.put(`file-${(counter += 1)}`, data)
  return inspectImport(file, { ...LIMITS, ...options })
}

async function refusal(data: string | Buffer, options: Partial<InspectImportOptions> = {}) {
  const result = await inspect(data, options)
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.detail)}`)
  return result.refusal
}

describe('inspectImport: databases', () => {
  const dumps = [
    { name: 'mysqldump 8.0', text: MYSQLDUMP_8, tool: 'mysqldump', server: '8.0.36', tables: DUMP_TABLES },
    {
      name: 'mariadb-dump 10.11',
      text: MARIADB_DUMP_10_11,
      tool: 'mariadb-dump',
      server: '10.11.6-MariaDB-0+deb12u1',
      tables: DUMP_TABLES,
    },
    {
      name: 'mariadb-dump 11.4 (sandbox line first)',
      text: MARIADB_DUMP_11_4,
      tool: 'mariadb-dump',
      server: '11.4.2-MariaDB-ubu2404',
      tables: DUMP_TABLES,
    },
    {
      name: 'mysqldump --compact',
      text: COMPACT_DUMP,
      tool: null,
      server: null,
      tables: [{ name: 'wp_users', rows: 2 }],
    },
    { name: 'phpMyAdmin', text: PHPMYADMIN_DUMP, tool: 'phpMyAdmin', server: '10.4.28-MariaDB', tables: DUMP_TABLES },
    {
      name: 'a BOM, blank lines and comments before SET NAMES',
      text: `\uFEFF\n\n-- exported by hand\n# another comment\n/* a block\n comment */\nSET NAMES utf8mb4;\nINSERT INTO t VALUES (1);\n`,
      tool: null,
      server: null,
      tables: [{ name: 't', rows: 1 }],
    },
  ]
  for (const dump of dumps) {
    const expected = {
      kind: 'database',
      tool: dump.tool,
      serverVersion: dump.server,
      tables: dump.tables,
      uncompressedBytes: Buffer.byteLength(dump.text),
    }
    it(`reads ${dump.name} as .sql, .sql.gz and a zip of one .sql`, async () => {
      expect(await inspect(dump.text)).toEqual({ ok: true, detail: { ...expected, format: 'sql', innerName: null } })
      expect(await inspect(gzipSync(dump.text))).toEqual({
        ok: true,
        detail: { ...expected, format: 'sql.gz', innerName: null },
      })
      const zip = zipArchive([
        { name: 'backup/', unixMode: 0o040755 },
        { name: 'backup/site.sql', data: dump.text },
      ])
      expect(await inspect(zip)).toEqual({
        ok: true,
        detail: { ...expected, format: 'sql.zip', innerName: 'backup/site.sql' },
      })
    })
  }

  it('starts with each statement a dump can start with', async () => {
    for (const start of [
      'DROP TABLE IF EXISTS `a`;',
      'CREATE TABLE `a` (id int);',
      'INSERT INTO `a` VALUES (1);',
      'LOCK TABLES `a` WRITE;',
      '/*!40101 SET NAMES utf8 */;',
      'SET FOREIGN_KEY_CHECKS=0;',
    ]) {
      const result = await inspect(`${start}\n`)
      expect(result.ok, start).toBe(true)
    }
  })

  it('ignores macOS resource forks beside the one .sql of a zip', async () => {
    const zip = zipArchive([
      { name: 'dump.sql', data: MYSQLDUMP_8 },
      { name: '__MACOSX/._dump.sql', data: Buffer.from([0, 5, 22, 7]) },
    ])
    const result = await inspect(zip)
    expect(result.ok && result.detail.kind === 'database' && result.detail.innerName).toBe('dump.sql')
  })
})

describe('inspectImport: files', () => {
  const entries = [
    { name: 'files_dev/', flag: '5' },
    { name: 'files_dev/a.txt', data: 'hello' },
    { name: 'files_dev/img/', flag: '5' },
    { name: 'files_dev/img/big.bin', data: randomBytes(3000) },
    { name: 'files_dev/img/mid.bin', data: randomBytes(2000) },
    { name: 'files_dev/b.txt', data: 'x'.repeat(100) },
    { name: 'files_dev/c.txt', data: 'y'.repeat(50) },
    { name: 'files_dev/d.txt', data: 'z'.repeat(10) },
  ]
  const expected = {
    kind: 'files',
    fileCount: 6,
    dirCount: 2,
    totalBytes: 5 + 3000 + 2000 + 100 + 50 + 10,
    topFolder: 'files_dev/',
    largest: [
      { path: 'files_dev/img/big.bin', size: 3000 },
      { path: 'files_dev/img/mid.bin', size: 2000 },
      { path: 'files_dev/b.txt', size: 100 },
      { path: 'files_dev/c.txt', size: 50 },
      { path: 'files_dev/d.txt', size: 10 },
    ],
  }

  it('reads a tar.gz, a tar and a zip of the same tree alike', async () => {
    expect(await inspect(tarGzBytes(entries))).toEqual({ ok: true, detail: { ...expected, format: 'tar.gz' } })
    expect(await inspect(tarBytes(entries))).toEqual({ ok: true, detail: { ...expected, format: 'tar' } })
    const zip = zipArchive(
      entries.map((e) =>
        e.flag === '5' ? { name: e.name, unixMode: 0o040755 } : { name: e.name, data: e.data, unixMode: 0o100644 },
      ),
    )
    expect(await inspect(zip)).toEqual({ ok: true, detail: { ...expected, format: 'zip' } })
  })

  it('has no top folder when files sit beside it', async () => {
    const result = await inspect(
      tarGzBytes([
        { name: 'files/a.txt', data: 'a' },
        { name: 'readme.txt', data: 'r' },
      ]),
    )
    expect(result.ok && result.detail.kind === 'files' && result.detail.topFolder).toBe(null)
  })

  it('takes a zip with one .sql among other files as files', async () => {
    const zip = zipArchive([
      { name: 'notes.sql', data: 'SELECT 1;' },
      { name: 'logo.png', data: randomBytes(10) },
    ])
    const result = await inspect(zip)
    expect(result.ok && result.detail.format).toBe('zip')
  })

  it('reports progress up to the whole size, and stops when aborted', async () => {
    const data = tarGzBytes([{ name: 'f/big.bin', data: randomBytes(2 * 1024 * 1024) }])
    const seen: number[] = []
    const result = await inspect(data, { onProgress: (bytes, total) => seen.push(bytes / total) })
    expect(result.ok).toBe(true)
    expect(seen.at(-1)).toBe(1)
    expect(seen.every((fraction, i) => i === 0 || fraction >= seen[i - 1]!)).toBe(true)

    const zipSeen: number[] = []
    const zip = zipArchive([
      { name: 'f/a.bin', data: randomBytes(1024 * 1024) },
      { name: 'f/b.txt', data: 'b' },
    ])
    expect((await inspect(zip, { onProgress: (bytes, total) => zipSeen.push(bytes / total) })).ok).toBe(true)
    expect(zipSeen.length).toBeGreaterThan(2)
    expect(zipSeen.at(-1)).toBe(1)

    const controller = new AbortController()
    const stopped = inspect(data, {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('stopped by the test')),
    })
    await expect(stopped).rejects.toThrow('stopped by the test')
  })
})

describe('inspectImport: refusals', () => {
  const sql = MYSQLDUMP_8
  const cases: Array<{
    name: string
    data: () => string | Buffer
    options?: Partial<InspectImportOptions>
    code: string
    problem: RegExp
    todo: RegExp
  }> = [
    {
      name: 'a PostgreSQL plain dump',
      data: () => POSTGRES_PLAIN,
      code: 'postgres_dump',
      problem: /PostgreSQL dump/,
      todo: /mysqldump/,
    },
    {
      name: 'a PostgreSQL custom-format dump',
      data: () => POSTGRES_CUSTOM,
      code: 'postgres_dump',
      problem: /PostgreSQL custom-format dump.*PGDMP/,
      todo: /mysqldump/,
    },
    {
      name: 'a gzipped PostgreSQL dump',
      data: () => gzipSync(POSTGRES_PLAIN),
      code: 'postgres_dump',
      problem: /gzip file holds a PostgreSQL dump/,
      todo: /mysqldump/,
    },
    { name: 'an SQLite file', data: () => SQLITE, code: 'sqlite', problem: /SQLite database/, todo: /mysqldump/ },
    {
      name: 'an HTML error page',
      data: () => HTML_ERROR_PAGE,
      code: 'html',
      problem: /HTML page.*error or login page/,
      todo: /download the real file again/,
    },
    {
      name: 'a gzipped HTML page',
      data: () => gzipSync(HTML_ERROR_PAGE),
      code: 'html',
      problem: /gzip file holds an HTML page/,
      todo: /download the real file again/,
    },
    {
      name: "S3's XML error",
      data: () =>
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      code: 'html',
      problem: /XML error reply \(AccessDenied: Request has expired\)/,
      todo: /download the real file again/i,
    },
    {
      name: 'random bytes',
      data: () => randomBytes(4096),
      code: 'unknown_kind',
      problem: /not a kind that can be imported: it starts with bytes [0-9a-f]{8}/,
      todo: /\.sql, \.sql\.gz.*\.tar\.gz, \.tar or \.zip/,
    },
    {
      name: 'text that is not SQL',
      data: () => 'Dear customer,\nyour site backup is attached.\n',
      code: 'not_sql',
      problem: /text but not a SQL dump: it starts with 'Dear customer, your site backup/,
      todo: /mysqldump/,
    },
    {
      name: 'a UTF-16 dump (PowerShell)',
      data: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('-- MySQL dump 10.13\n', 'utf16le')]),
      code: 'utf16',
      problem: /UTF-16/,
      todo: /--result-file/,
    },
    { name: 'an empty file', data: () => '', code: 'empty', problem: /empty \(0 bytes\)/, todo: /again/ },
    {
      name: 'an empty gzip',
      data: () => gzipSync(''),
      code: 'empty',
      problem: /holds nothing/,
      todo: /Compress .* again/,
    },
    {
      name: 'a truncated gzip',
      data: () => gzipSync(sql.repeat(50)).subarray(0, 2000),
      code: 'truncated',
      problem: /cut short/,
      todo: /whole file again/,
    },
    {
      name: 'a gzip cut in its header',
      data: () => gzipSync(sql).subarray(0, 12),
      code: 'truncated',
      problem: /cut short/,
      todo: /whole file again/,
    },
    {
      name: 'a corrupt gzip',
      data: () => {
        const bytes = gzipSync(sql.repeat(20))
        bytes.fill(0x55, 200, 260)
        return bytes
      },
      code: 'corrupt',
      problem: /damaged/,
      todo: /make or download it again/,
    },
    {
      name: 'a dump cut inside a string',
      data: () => `${sql.slice(0, sql.indexOf("'siteurl") + 4)}`,
      code: 'truncated',
      problem: /ends inside a quoted string \(in the rows of `wp_options`\).*cut short/,
      todo: /Export the database again/,
    },
    {
      name: 'a dump with a NUL byte',
      data: () => Buffer.concat([Buffer.from(sql), Buffer.from([0]), Buffer.from('INSERT INTO t VALUES (1);')]),
      code: 'not_sql',
      problem: new RegExp(`NUL byte at byte ${Buffer.byteLength(sql).toLocaleString('en-US')}`),
      todo: /mysqldump/,
    },
    {
      name: 'a file over the upload limit',
      data: () => sql,
      options: { maxBytes: 1000 },
      code: 'too_large',
      problem: /over the upload limit of 1000 bytes/,
      todo: /smaller/,
    },
    {
      name: 'a gzip of a dump that unpacks past the limit',
      data: () => gzipSync(sql + `INSERT INTO t VALUES ('${'a'.repeat(3 * 1024 * 1024)}');\n`),
      options: { maxUncompressedBytes: 1024 * 1024 },
      code: 'zip_bomb',
      problem: /unpacks to more than 1\.0 MiB/,
      todo: /smaller archive/,
    },
    {
      name: 'a gzip inside a gzip',
      data: () => gzipSync(gzipSync(sql)),
      code: 'compressed_twice',
      problem: /compressed twice/,
      todo: /gunzip/,
    },
    {
      name: 'a bzip2 file',
      data: () => Buffer.concat([Buffer.from('BZh91AY&SY'), randomBytes(100)]),
      code: 'unknown_kind',
      problem: /bzip2-compressed/,
      todo: /bunzip2/,
    },
    ...(
      [
        [
          'an absolute path',
          [{ name: '/etc/cron.d/evil', data: 'x' }],
          'unsafe_path',
          /absolute path \("\/etc\/cron.d\/evil"\)/,
        ],
        [
          'a .. path',
          [{ name: 'files/../../evil', data: 'x' }],
          'unsafe_path',
          /"\.\." path segment \("files\/\.\.\/\.\.\/evil"\)/,
        ],
        [
          'a symlink',
          [{ name: 'files/l', flag: '2', linkpath: '/etc/passwd' }],
          'link',
          /symbolic link \("files\/l" pointing to "\/etc\/passwd"\)/,
        ],
        [
          'a hard link',
          [
            { name: 'files/a', data: 'x' },
            { name: 'files/b', flag: '1', linkpath: 'files/a' },
          ],
          'link',
          /hard link/,
        ],
        ['a device', [{ name: 'files/tty', flag: '3' }], 'device', /character device \("files\/tty"\)/],
      ] as const
    ).flatMap(([what, entries, code, problem]) =>
      (['tar.gz', 'tar'] as const).map((format) => ({
        name: `a ${format} with ${what}`,
        data: () => (format === 'tar' ? tarBytes(entries) : tarGzBytes(entries)),
        code,
        problem,
        todo: code === 'unsafe_path' ? /relative paths only.*tar czf/ : /make the archive again/,
      })),
    ),
    {
      name: 'a tar.gz of a tar whose header is damaged',
      data: () => {
        const tar = tarBytes([
          { name: 'f/a.txt', data: 'a' },
          { name: 'f/b.txt', data: 'b' },
        ])
        tar.fill(0x41, 1024 + 10, 1024 + 20)
        return gzipSync(tar)
      },
      code: 'corrupt',
      problem: /header at byte 1024 is invalid/,
      todo: /tar czf/,
    },
  ]
  for (const bad of cases) {
    it(`refuses ${bad.name} (${bad.code})`, async () => {
      const found = await refusal(bad.data(), bad.options)
      expect(found.code).toBe(bad.code)
      expect(found.problem).toMatch(bad.problem)
      expect(found.todo).toMatch(bad.todo)
    })
  }

  it('refuses a folder and a missing file', async () => {
    const dir = path.join(scratch.dir, 'a-folder')
    await mkdir(dir)
    const folder = await inspectImport(dir, LIMITS)
    expect(folder.ok === false && folder.refusal).toMatchObject({ code: 'folder', todo: /tar czf/ })
    const missing = await inspectImport(path.join(scratch.dir, 'nope.sql'), LIMITS)
    expect(missing.ok === false && missing.refusal.code).toBe('not_found')
  })
})
