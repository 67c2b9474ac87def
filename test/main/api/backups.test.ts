/** Catalog → Backup[]: the contract's rules on synthetic catalogs (the real ones are in contract.test.ts). */
import { describe, expect, it } from 'vitest'
import { backupsFromCatalog, isFinishedEntry } from '../../../src/main/api/backups'
import { MAX_DATE_MS } from '../../../src/main/api/time'
import type { Backup } from '../../../src/shared/platform-types'

const archive = (folder: string, element: string, extra: Record<string, unknown> = {}) => ({
  [`${folder}_${element}`]: {
    folder,
    filename: `site_dev_x_${element}.gz`,
    size: 100,
    timestamp: Number(folder.split('_')[0]) + 10,
    start_time: Number(folder.split('_')[0]) + 1,
    finish_time: Number(folder.split('_')[0]) + 10,
    ttl: 3600,
    ...extra,
  },
})

describe('backupsFromCatalog', () => {
  it('tells daily from weekly scheduled backups by how long their archives are kept (not the manifest)', () => {
    const backups = backupsFromCatalog({
      ...archive('3000_automated', 'database', { ttl: 8 * 86400 }),
      ...archive('3000_automated', 'code', { ttl: 8 * 86400 }),
      '3000_automated_manifest': { folder: '3000_automated', size: 0, timestamp: 3005, ttl: 31536000 },
      ...archive('2000_automated', 'database', { ttl: 32 * 86400 }),
      ...archive('1500_automated', 'files', { ttl: null }),
      ...archive('1000_backup', 'code', { ttl: 32 * 86400 }),
    })
    expect(backups.map((b) => [b.folder, b.kind, b.cadence])).toEqual([
      ['3000_automated', 'scheduled', 'daily'],
      ['2000_automated', 'scheduled', 'weekly'],
      // No ttl: it stays "scheduled" rather than guessed.
      ['1500_automated', 'scheduled', undefined],
      ['1000_backup', 'manual', undefined],
    ])
  })

  it('makes one backup per folder, newest first, scheduled or manual by folder suffix', () => {
    const backups = backupsFromCatalog({
      ...archive('1000_backup', 'code'),
      ...archive('3000_automated', 'database'),
      ...archive('2000_backup', 'files'),
      ...archive('2000_backup', 'database'),
    })
    expect(backups.map((b) => [b.folder, b.kind])).toEqual([
      ['3000_automated', 'scheduled'],
      ['2000_backup', 'manual'],
      ['1000_backup', 'manual'],
    ])
    expect(Object.keys(backups[1]!.parts)).toEqual(['database', 'files'])
    expect(backups[1]).toMatchObject({
      id: '2000_backup',
      startedAt: 2_000_000,
      finishedAt: 2_010_000,
      finished: true,
      totalSize: 200,
    })
    expect(backups[1]!.expiresAt).toBe(2_010_000 + 3_600_000)
  })

  it('keeps an unfinished part visible but the backup unfinished, without expiry or size', () => {
    const [backup] = backupsFromCatalog({
      ...archive('5000_backup', 'code'),
      ...archive('5000_backup', 'database', { size: 0, finish_time: null, timestamp: null }),
    })
    expect(backup).toMatchObject({ finished: false, finishedAt: null, expiresAt: null, totalSize: 100 })
    expect(backup!.parts.database).toMatchObject({ finished: false, size: 0, finishedAt: null, expiresAt: null })
    expect(backup!.parts.code!.finished).toBe(true)
  })

  it('counts a part with a size and only a timestamp as finished at that time', () => {
    const entry = { size: 5, timestamp: 1234, finish_time: null }
    expect(isFinishedEntry(entry)).toBe(true)
    expect(isFinishedEntry({ size: 0, timestamp: 1234, finish_time: 1235 })).toBe(false)
    expect(isFinishedEntry({ size: 5 })).toBe(false)
    const [backup] = backupsFromCatalog(archive('7000_backup', 'files', { finish_time: undefined, timestamp: 7005 }))
    expect(backup!.finishedAt).toBe(7_005_000)
  })

  it('expires a backup when its first part expires', () => {
    const [backup] = backupsFromCatalog({
      ...archive('1000_backup', 'code', { ttl: 100 }),
      ...archive('1000_backup', 'files', { ttl: 50 }),
    })
    expect(backup!.expiresAt).toBe(1_010_000 + 50_000)
  })

  it('drops folders that only have a manifest and attaches manifests to the others', () => {
    const backups = backupsFromCatalog({
      '900_automated_manifest': { folder: '900_automated', size: 0, timestamp: 905, ttl: 31536000, total_files: 3 },
      '1000_backup_manifest': {
        folder: '1000_backup',
        size: 0,
        timestamp: 1005,
        ttl: 31536000,
        total_files: 43,
        total_dirs: 4,
        total_size: 4682105,
      },
      ...archive('1000_backup', 'files'),
    })
    expect(backups.map((b) => b.folder)).toEqual(['1000_backup'])
    expect(backups[0]!.manifest).toEqual({ totalFiles: 43, totalDirs: 4, totalSize: 4682105 })
  })

  it('ignores entries it cannot read instead of failing the whole timeline', () => {
    const backups = backupsFromCatalog({
      junk: { folder: 'x' },
      '1000_backup_thumbnail': { filename: 'x.png', size: 3 },
      '1100_backup_code': 'not an object',
      '1200_backup_database': { folder: '1200_backup', size: 'big' },
      ...archive('1300_backup', 'code'),
    })
    expect(backups.map((b) => b.folder)).toEqual(['1300_backup'])
  })

  it('reads no catalog at all as no backups', () => {
    expect(backupsFromCatalog(null)).toEqual([])
    expect(backupsFromCatalog([])).toEqual([])
    expect(backupsFromCatalog({})).toEqual([])
  })

  describe('odd dates and ttls', () => {
    /** Every moment of a backup and its parts is null or a date the page can format. */
    function expectFormattable(backup: Backup): void {
      const moments = [
        backup.startedAt,
        backup.finishedAt,
        backup.expiresAt,
        ...Object.values(backup.parts).flatMap((part) => [part.startedAt, part.finishedAt, part.expiresAt]),
      ]
      for (const at of moments) if (at !== null) expect(() => new Date(at).toISOString()).not.toThrow()
    }

    it.each([
      ['a huge ttl', { ttl: 1e300 }],
      ['a negative ttl', { ttl: -3600 }],
      ['a ttl that is not a number', { ttl: 'forever' }],
      ['a ttl as a numeric string', { ttl: '3600' }],
      ['huge times', { timestamp: 1e300, start_time: 1e300, finish_time: 1e300 }],
      ['negative times', { timestamp: -5, start_time: -5, finish_time: -5 }],
      ['times that are not numbers', { timestamp: 'soon', start_time: {}, finish_time: [1] }],
      ['a size that is not a number', { size: 'big' }],
    ])('%s keeps the backup visible with dates the page can show', (_what, extra) => {
      const backups = backupsFromCatalog({
        ...archive('2000_backup', 'database', extra),
        ...archive('1000_backup', 'code'),
      })
      expect(backups.map((b) => b.folder)).toEqual(['2000_backup', '1000_backup'])
      expect(backups[0]!.parts.database).toBeDefined()
      for (const backup of backups) expectFormattable(backup)
    })

    it('clamps an expiry past the last representable date instead of making an invalid one', () => {
      const [backup] = backupsFromCatalog(archive('2000_backup', 'database', { ttl: 1e300 }))
      expect(backup!.expiresAt).toBe(MAX_DATE_MS)
      expect(backup!.finishedAt).toBe(2_010_000)
    })

    it('reads a numeric-string ttl as the number and ignores a negative one', () => {
      expect(backupsFromCatalog(archive('2000_backup', 'database', { ttl: '3600' }))[0]!.expiresAt).toBe(
        2_010_000 + 3_600_000,
      )
      expect(backupsFromCatalog(archive('2000_backup', 'database', { ttl: -3600 }))[0]!.expiresAt).toBeNull()
    })

    it('keeps a folder whose epoch is past the last date, at the last date', () => {
      const folder = '99999999999999999999_backup'
      const [backup] = backupsFromCatalog(archive(folder, 'files', { timestamp: 10, start_time: 1, finish_time: 10 }))
      expect(backup!.folder).toBe(folder)
      expect(backup!.startedAt).toBe(MAX_DATE_MS)
      expectFormattable(backup!)
    })
  })
})

describe('the [ext] commit of a code entry', () => {
  const sha = 'ABCDEF0123456789abcdef0123456789ABCDEF01'

  it('is kept on the code part (lower-cased) when it is a full commit id', () => {
    const [backup] = backupsFromCatalog({
      ...archive('8000_backup', 'code', { commit: sha, target_ref: 'refs/heads/master' }),
      ...archive('8000_backup', 'database', { commit: sha }),
    })
    expect(backup!.parts.code!.commit).toBe(sha.toLowerCase())
    expect(backup!.parts.database).not.toHaveProperty('commit')
  })

  it('is left out when missing (Pantheon) or not a commit id', () => {
    for (const commit of [undefined, null, 'abc123', 42, `${sha}0`]) {
      const [backup] = backupsFromCatalog(archive('8000_backup', 'code', { commit }))
      expect(backup!.parts.code).not.toHaveProperty('commit')
    }
  })
})
