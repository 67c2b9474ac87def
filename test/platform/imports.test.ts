/**
 * `do_import` of every format against a real platform, through an upload link as the app does
 * it: the environment's database or files end up equal to the archive's content, and a bad
 * archive fails with the inspection's reason and leaves the environment as it was. Also the
 * upload limits route, and a platform narrowed to `.sql.gz` and `.tar.gz` refusing the rest.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tarBytes } from '../lib/archives/craft'
import { HTML_ERROR_PAGE, MARIADB_DUMP_11_4, MYSQLDUMP_8, POSTGRES_PLAIN } from '../lib/archives/dumps'
import { zipArchive } from '../lib/archives/zip-craft'
import { envFingerprint, startTestPlatform, upload, type Json, type TestPlatform } from './helpers'

let t: TestPlatform
let narrow: TestPlatform
let siteId: string

beforeAll(async () => {
  // One after the other: the first one makes the seed both copy.
  t = await startTestPlatform()
  narrow = await startTestPlatform({ importFormats: ['tar.gz', 'sql.gz'] })
  siteId = await t.siteId('demo-drupal')
})

afterAll(async () => {
  await Promise.all([t?.close(), narrow?.close()])
})

async function importInto(
  p: TestPlatform,
  kind: 'database' | 'files',
  filename: string,
  bytes: Buffer,
  env = 'dev',
): Promise<Json> {
  const site = await p.siteId('demo-drupal')
  const url = await upload(p, site, env, filename, bytes)
  return p.runWorkflow(site, env, 'do_import', { [kind]: 1, url })
}

async function databaseText(p: TestPlatform, env = 'dev'): Promise<string> {
  const site = await p.siteId('demo-drupal')
  return gunzipSync(await readFile(join(p.dataDir, 'sites', site, 'envs', env, 'database.sql.gz'))).toString()
}

const TREE = [
  { name: 'files_live/', flag: '5' },
  { name: 'files_live/logo.svg', data: '<svg/>' },
  { name: 'files_live/styles/', flag: '5' },
  { name: 'files_live/styles/site.css', data: 'body { color: #222 }\n' },
]
/** The files fingerprint (see envFingerprint) of TREE once its top folder is dropped. */
const TREE_FILES = [`logo.svg ${sha256('<svg/>')}`, 'styles/', `styles/site.css ${sha256('body { color: #222 }\n')}`]

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

describe('upload limits [ext]', () => {
  it('lists the upload limit and every format, or the narrowed ones', async () => {
    const all = await t.call('GET', `/api/sites/${siteId}/environments/dev/uploads/limits`)
    expect(all).toMatchObject({
      status: 200,
      body: { max_bytes: 2 * 1024 ** 3, formats: ['sql', 'sql.gz', 'sql.zip', 'tar.gz', 'tar', 'zip'] },
    })
    const narrowSite = await narrow.siteId('demo-drupal')
    const some = await narrow.call('GET', `/api/sites/${narrowSite}/environments/live/uploads/limits`)
    expect(some.body).toEqual({ max_bytes: 2 * 1024 ** 3, formats: ['sql.gz', 'tar.gz'] })
    expect((await t.call('GET', `/api/sites/${siteId}/environments/qa/uploads/limits`)).status).toBe(404)
    expect(
      (await t.call('GET', `/api/sites/${siteId}/environments/dev/uploads/limits`, undefined, { Authorization: '' }))
        .status,
    ).toBe(401)
  })
})

describe('do_import of every format', () => {
  it('imports a .sql, a .sql.gz and a zip of one .sql as the database', async () => {
    const sql = await importInto(t, 'database', 'site.sql', Buffer.from(MYSQLDUMP_8))
    expect(sql.result).toBe('succeeded')
    expect(await databaseText(t)).toBe(MYSQLDUMP_8)

    const gz = gzipSync(MARIADB_DUMP_11_4)
    expect((await importInto(t, 'database', 'site.sql.gz', gz)).result).toBe('succeeded')
    expect(await readFile(join(t.dataDir, 'sites', siteId, 'envs', 'dev', 'database.sql.gz'))).toEqual(gz)

    const zip = zipArchive([
      { name: 'export/', unixMode: 0o040755 },
      { name: 'export/site.sql', data: MYSQLDUMP_8 },
    ])
    expect((await importInto(t, 'database', 'site.zip', zip)).result).toBe('succeeded')
    expect(await databaseText(t)).toBe(MYSQLDUMP_8)
  })

  it('imports a .tar.gz, a .tar and a .zip as the files, dropping the one top folder', async () => {
    const zip = zipArchive(
      TREE.map((e) =>
        e.flag === '5' ? { name: e.name, unixMode: 0o040755 } : { name: e.name, data: e.data, unixMode: 0o100644 },
      ),
    )
    for (const [filename, bytes] of [
      ['files.tar.gz', gzipSync(tarBytes(TREE))],
      ['files.tar', tarBytes(TREE)],
      ['files.zip', zip],
    ] as const) {
      const wf = await importInto(t, 'files', filename, bytes, 'test')
      expect({ filename, result: wf.result, reason: wf.final_task.reason }).toEqual({
        filename,
        result: 'succeeded',
        reason: '',
      })
      expect((await envFingerprint(t, siteId, 'test')).files).toEqual(TREE_FILES)
    }
  })

  it('keeps the layout of a zip with files beside its folders', async () => {
    const zip = zipArchive([
      { name: 'readme.txt', data: 'read me' },
      { name: 'img/a.png', data: 'png' },
    ])
    expect((await importInto(t, 'files', 'loose.zip', zip, 'test')).result).toBe('succeeded')
    expect((await envFingerprint(t, siteId, 'test')).files.map((line) => line.split(' ')[0])).toEqual([
      'img/',
      'img/a.png',
      'readme.txt',
    ])
  })

  const bad: Array<{
    name: string
    kind: 'database' | 'files'
    filename: string
    bytes: () => Buffer
    reason: RegExp
  }> = [
    {
      name: 'a files archive as the database',
      kind: 'database',
      filename: 'files.tar.gz',
      bytes: () => gzipSync(tarBytes(TREE)),
      reason:
        /database archive was refused: it is a files archive \(\.tar\.gz of 2 files\), not a SQL dump\. Import it as the files/,
    },
    {
      name: 'a dump as the files',
      kind: 'files',
      filename: 'dump.sql',
      bytes: () => Buffer.from(MYSQLDUMP_8),
      reason: /files archive was refused: it is a database dump \(\.sql\), not an archive of files/,
    },
    {
      name: 'a PostgreSQL dump',
      kind: 'database',
      filename: 'pg.sql',
      bytes: () => Buffer.from(POSTGRES_PLAIN),
      reason: /PostgreSQL dump.*mysqldump/,
    },
    {
      name: 'an HTML error page',
      kind: 'database',
      filename: 'dump.sql.gz',
      bytes: () => Buffer.from(HTML_ERROR_PAGE),
      reason: /HTML page.*download the real file again/,
    },
    {
      name: 'two dumps in a zip',
      kind: 'database',
      filename: 'dumps.zip',
      bytes: () =>
        zipArchive([
          { name: 'a.sql', data: MYSQLDUMP_8 },
          { name: 'b.sql', data: MYSQLDUMP_8 },
        ]),
      reason: /holds 2 SQL files/,
    },
    {
      name: 'a zip slip',
      kind: 'files',
      filename: 'slip.zip',
      bytes: () =>
        zipArchive([
          { name: 'files/ok.txt', data: 'ok' },
          { name: 'files/../../../evil.sh', data: 'x' },
        ]),
      reason: /"\.\." path segment \("files\/\.\.\/\.\.\/\.\.\/evil\.sh"\)/,
    },
    {
      name: 'a zip with a symbolic link',
      kind: 'files',
      filename: 'link.zip',
      bytes: () => zipArchive([{ name: 'files/passwd', data: '/etc/passwd', unixMode: 0o120777, method: 'store' }]),
      reason: /symbolic link \("files\/passwd" pointing to "\/etc\/passwd"\)/,
    },
    {
      name: 'a tar with a device',
      kind: 'files',
      filename: 'dev.tar',
      bytes: () => tarBytes([{ name: 'files/tty', flag: '3' }]),
      reason: /character device/,
    },
    {
      name: 'a dump cut short',
      kind: 'database',
      filename: 'cut.sql',
      bytes: () => Buffer.from(MYSQLDUMP_8.slice(0, MYSQLDUMP_8.indexOf("'siteurl") + 3)),
      reason: /ends inside a quoted string/,
    },
  ]
  for (const input of bad) {
    it(`fails on ${input.name} with the inspection's reason and leaves the environment as it was`, async () => {
      const before = await envFingerprint(t, siteId, 'dev')
      const wf = await importInto(t, input.kind, input.filename, input.bytes())
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(input.reason)
      expect(await envFingerprint(t, siteId, 'dev')).toEqual(before)
    })
  }
})

describe('a platform narrowed to .sql.gz and .tar.gz', () => {
  it('refuses a .zip and a .sql with a reason, and takes the gzip forms', async () => {
    const narrowSite = await narrow.siteId('demo-drupal')
    const before = await envFingerprint(narrow, narrowSite, 'dev')
    const zip = await importInto(narrow, 'files', 'files.zip', zipArchive([{ name: 'a.txt', data: 'a' }]))
    expect(zip.result).toBe('failed')
    expect(zip.final_task.reason).toBe(
      "The files archive was refused: this platform imports only .sql.gz and .tar.gz, and the archive is .zip. Convert it to .tar.gz first (Restore Desk does so itself when it knows the platform's formats from GET .../uploads/limits) and import that.",
    )
    const sql = await importInto(narrow, 'database', 'dump.sql', Buffer.from(MYSQLDUMP_8))
    expect(sql.final_task.reason).toMatch(
      /imports only \.sql\.gz and \.tar\.gz, and the archive is \.sql\. Convert it to \.sql\.gz/,
    )
    expect(await envFingerprint(narrow, narrowSite, 'dev')).toEqual(before)

    expect((await importInto(narrow, 'database', 'dump.sql.gz', gzipSync(MYSQLDUMP_8))).result).toBe('succeeded')
    expect(await databaseText(narrow)).toBe(MYSQLDUMP_8)
    expect((await importInto(narrow, 'files', 'files.tar.gz', gzipSync(tarBytes(TREE)))).result).toBe('succeeded')
  })

  it('refuses an unknown format in its options', async () => {
    await expect(startTestPlatform({ importFormats: ['sql.gz', 'rar' as 'zip'] })).rejects.toThrow(
      /importFormats must name one or more of sql, sql.gz, sql.zip, tar.gz, tar, zip, not rar/,
    )
  })
})
