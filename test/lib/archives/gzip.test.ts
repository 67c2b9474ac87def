import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { checkGzipWhole, checkSqlGz, gzipFile } from '../../../src/lib/archives'
import { writeFileAtomic } from '../../../src/lib/atomic'
import { zipBytes } from './craft'
import { expectArchiveError, useScratchDir } from './scratch'

const scratch = useScratchDir('rd-gzip-')
const { put } = scratch

const SQL = [
  '-- MySQL dump 10.13  Distrib 5.7.33, for Linux (x86_64)',
  '--',
  '-- Host: localhost    Database: pantheon',
  'DROP TABLE IF EXISTS `node`;',
  'CREATE TABLE `node` (`nid` int unsigned NOT NULL AUTO_INCREMENT, PRIMARY KEY (`nid`));',
  'INSERT INTO `node` VALUES (1),(2);',
  'CREATE TABLE `users` (`uid` int unsigned NOT NULL);',
  'CREATE TABLE `config` (`name` varchar(255) NOT NULL);',
  '',
].join('\n')

describe('checkGzipWhole', () => {
  it('accepts a whole gzip and reports both sizes', async () => {
    const payload = randomBytes(300_000)
    const file = await put('good.bin.gz', gzipSync(payload))
    const result = await checkGzipWhole(file)
    expect(result.uncompressedBytes).toBe(payload.length)
    expect(result.compressedBytes).toBe((await readFile(file)).length)
  })

  it('reads a gzip made of several members to the end', async () => {
    const file = await put('multi.gz', Buffer.concat([gzipSync('a'.repeat(1000)), gzipSync('b'.repeat(500))]))
    expect((await checkGzipWhole(file)).uncompressedBytes).toBe(1500)
  })

  it('reports a missing file as not_found', async () => {
    const error = await expectArchiveError(checkGzipWhole(path.join(scratch.dir, 'nope.gz')))
    expect(error.code).toBe('not_found')
    expect(error.message).toContain('does not exist')
  })

  it('reports a zero-byte file as empty', async () => {
    const error = await expectArchiveError(checkGzipWhole(await put('zero.gz', '')))
    expect(error.code).toBe('empty')
    expect(error.message).toMatch(/did not complete; try again/)
  })

  it('recognises plain text named .gz', async () => {
    const error = await expectArchiveError(checkGzipWhole(await put('text.gz', 'hello there, this is just a note\n')))
    expect(error.code).toBe('not_gzip')
    expect(error.message).toMatch(/^The file is not gzip-compressed \(it is plain text starting with 'hello th'\)/)
  })

  it('recognises a zip and says how to make the right file', async () => {
    const error = await expectArchiveError(checkSqlGz(await put('dump.zip.gz', zipBytes())))
    expect(error.code).toBe('not_gzip')
    expect(error.message).toBe(
      "The file is not gzip-compressed (it starts with 'PK', which looks like a zip archive). Upload a .sql.gz made with `mysqldump … | gzip`.",
    )
  })

  it('recognises an uncompressed SQL dump and says to gzip it', async () => {
    const error = await expectArchiveError(checkSqlGz(await put('dump.sql.gz', SQL)))
    expect(error.code).toBe('not_gzip')
    expect(error.message).toContain('plain, uncompressed SQL dump')
    expect(error.message).toContain('gzip dump.sql')
  })

  it('tells a gzip cut in half from a damaged one', async () => {
    const whole = gzipSync(randomBytes(200_000))
    const cut = await expectArchiveError(checkGzipWhole(await put('half.gz', whole.subarray(0, whole.length / 2))))
    expect(cut.code).toBe('truncated_gzip')
    expect(cut.message).toMatch(/cut short.*incomplete/)

    const noTrailer = await expectArchiveError(
      checkGzipWhole(await put('no-trailer.gz', whole.subarray(0, whole.length - 4))),
    )
    expect(noTrailer.code).toBe('truncated_gzip')

    const damaged = Buffer.from(gzipSync('x'.repeat(100_000)))
    damaged[damaged.length - 6] = damaged[damaged.length - 6]! ^ 0xff // CRC no longer matches
    const corrupt = await expectArchiveError(checkGzipWhole(await put('damaged.gz', damaged)))
    expect(corrupt.code).toBe('not_gzip')
    expect(corrupt.message).toMatch(/damaged.*make or download it again/)
  })

  it('stops at maxUncompressedBytes', async () => {
    const file = await put('bomb.gz', gzipSync(Buffer.alloc(5_000_000)))
    const error = await expectArchiveError(checkGzipWhole(file, { maxUncompressedBytes: 1024 * 1024 }))
    expect(error.code).toBe('too_large')
    expect(error.message).toContain('more than 1.0 MiB')
    expect((await checkGzipWhole(file, { maxUncompressedBytes: 5_000_000 })).uncompressedBytes).toBe(5_000_000)
  })
})

describe('checkSqlGz', () => {
  it('accepts a mysqldump and counts its tables', async () => {
    const result = await checkSqlGz(await put('ok.sql.gz', gzipSync(SQL)))
    expect(result).toEqual({ uncompressedBytes: Buffer.byteLength(SQL), tables: 3 })
  })

  it('counts CREATE TABLE statements across chunk boundaries in a large dump', async () => {
    const filler = `INSERT INTO \`t\` VALUES ${Array.from({ length: 400 }, (_, i) => `(${i},'row ${i}')`).join(',')};\n`
    const parts = ['-- MySQL dump 10.13\n']
    for (let i = 0; i < 500; i += 1) parts.push(`CREATE TABLE \`t${i}\` (id int);\n`, filler)
    const sql = parts.join('')
    const result = await checkSqlGz(await put('large.sql.gz', gzipSync(sql)))
    expect(result.tables).toBe(500)
    expect(result.uncompressedBytes).toBe(Buffer.byteLength(sql))
  })

  it('counts a CREATE TABLE split at every possible point of a zlib chunk boundary', async () => {
    // Gunzip hands out 16 KiB chunks; place one statement across each boundary at a different split.
    const chunk = 16 * 1024
    let sql = '-- MySQL dump 10.13\n'
    for (let k = 1; k <= 14; k += 1) {
      const start = k * chunk - (k - 1) // the statement's leading newline sits k-1 bytes before the boundary
      sql += '-'.repeat(start - sql.length - 1) + '\n'
      sql += '\nCREATE TABLE `t` (id int);'
    }
    sql += '\n'
    const result = await checkSqlGz(await put('straddle.sql.gz', gzipSync(sql)))
    expect(result.tables).toBe(14)
  })

  it('accepts statements without a mysqldump header', async () => {
    const result = await checkSqlGz(await put('bare.sql.gz', gzipSync('INSERT INTO `x` VALUES (1);\n')))
    expect(result.tables).toBe(0)
  })

  it('refuses gzip of random binary as not_sql', async () => {
    const error = await expectArchiveError(checkSqlGz(await put('random.sql.gz', gzipSync(randomBytes(100_000)))))
    expect(error.code).toBe('not_sql')
    expect(error.message).toMatch(/not a SQL dump.*NUL byte.*mysqldump … \| gzip/)
  })

  it('refuses gzipped text that is not SQL', async () => {
    const error = await expectArchiveError(
      checkSqlGz(await put('poem.sql.gz', gzipSync('Roses are red\nViolets are blue\n'.repeat(10)))),
    )
    expect(error.code).toBe('not_sql')
    expect(error.message).toContain('no mysqldump header, CREATE TABLE or INSERT INTO')
  })

  it('refuses a NUL byte after the first 64 KiB', async () => {
    const sql = Buffer.concat([Buffer.from(SQL + '-- '.repeat(40_000) + '\n'), Buffer.from([0]), Buffer.from('tail')])
    const error = await expectArchiveError(checkSqlGz(await put('late-nul.sql.gz', gzipSync(sql))))
    expect(error.code).toBe('not_sql')
  })

  it('refuses an empty gzip', async () => {
    const error = await expectArchiveError(checkSqlGz(await put('nothing.sql.gz', gzipSync(''))))
    expect(error.code).toBe('empty')
  })

  it('reports truncation before content problems', async () => {
    const whole = gzipSync(SQL.repeat(2000))
    const error = await expectArchiveError(checkSqlGz(await put('cut.sql.gz', whole.subarray(0, whole.length - 100))))
    expect(error.code).toBe('truncated_gzip')
  })
})

describe('gzipFile and writeFileAtomic', () => {
  it('gzips a file atomically and leaves no temp files', async () => {
    const sub = await mkdtemp(path.join(scratch.dir, 'atomic-'))
    const src = path.join(sub, 'dump.sql')
    await writeFile(src, SQL)
    await gzipFile(src, path.join(sub, 'dump.sql.gz'))
    expect(gunzipSync(await readFile(path.join(sub, 'dump.sql.gz'))).toString()).toBe(SQL)
    await writeFileAtomic(path.join(sub, 'note.txt'), 'first')
    await writeFileAtomic(path.join(sub, 'note.txt'), new TextEncoder().encode('second'))
    expect(await readFile(path.join(sub, 'note.txt'), 'utf8')).toBe('second')
    expect((await readdir(sub)).sort()).toEqual(['dump.sql', 'dump.sql.gz', 'note.txt'])
  })

  it('leaves the target untouched when the source is missing', async () => {
    const sub = await mkdtemp(path.join(scratch.dir, 'atomic-'))
    await writeFile(path.join(sub, 'out.gz'), 'old')
    const error = await expectArchiveError(gzipFile(path.join(sub, 'missing.sql'), path.join(sub, 'out.gz')))
    expect(error.code).toBe('not_found')
    expect(await readFile(path.join(sub, 'out.gz'), 'utf8')).toBe('old')
    expect(await readdir(sub)).toEqual(['out.gz'])
  })
})
