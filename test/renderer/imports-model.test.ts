import { describe, expect, it } from 'vitest'
import { carriesFiles, dropEntries, isUnreadableFolder, resolvePicks } from '../../src/renderer/src/lib/file-drop'
import {
  chooseImports,
  formatLimit,
  inspectionSummary,
  replacesSentence,
  urlProblem,
  type ReadyImport,
} from '../../src/renderer/src/lib/imports'
import { jobTitle, notificationTitle, transferText } from '../../src/renderer/src/lib/jobs'
import { databaseInspection, filesInspection, inspected, job } from './support/fixtures'

const dump = (token: string, name: string) => inspected(token, name, databaseInspection()) as ReadyImport
const archive = (token: string, name: string) => inspected(token, name, filesInspection()) as ReadyImport

describe('which files go into one import', () => {
  it('takes the first of each kind in the order dropped, and leaves out the rest naming each', () => {
    const { choice, leftOut } = chooseImports({ files: null, database: null }, [
      dump('t-1', 'a.sql.gz'),
      archive('t-2', 'files.tar.gz'),
      dump('t-3', 'b.sql.gz'),
      archive('t-4', 'more.zip'),
    ])
    expect(choice.database?.name).toBe('a.sql.gz')
    expect(choice.files?.name).toBe('files.tar.gz')
    expect(leftOut.map((entry) => [entry.token, entry.problem])).toEqual([
      ['t-3', 'Only one database dump can be imported at a time: b.sql.gz was left out.'],
      ['t-4', 'Only one files archive can be imported at a time: more.zip was left out.'],
    ])
  })

  it('keeps what a dialog already holds: a later drop fills only the empty place', () => {
    const first = chooseImports({ files: null, database: null }, [dump('t-1', 'a.sql.gz')]).choice
    const { choice, leftOut } = chooseImports(first, [dump('t-2', 'b.sql.gz'), archive('t-3', 'f.tar')])
    expect([choice.database?.token, choice.files?.token]).toEqual(['t-1', 't-3'])
    expect(leftOut.map((entry) => entry.name)).toEqual(['b.sql.gz'])
  })
})

describe('import wording', () => {
  it('says what an archive holds and what it replaces', () => {
    expect(inspectionSummary(databaseInspection())).toBe('12 tables, 38.0 MiB uncompressed')
    expect(
      inspectionSummary(databaseInspection({ tables: [{ name: 'users', rows: 1 }], uncompressedBytes: 900 })),
    ).toBe('1 table, 900 bytes uncompressed')
    expect(inspectionSummary(filesInspection({ fileCount: 1, totalBytes: 1 }))).toBe('1 file, 1 byte')
    expect(replacesSentence('dev', dump('t', 'wp-dump.sql.gz'))).toBe(
      "Replaces dev's database with wp-dump.sql.gz: 12 tables, 38.0 MiB uncompressed.",
    )
  })

  it('writes limits as the platform states them', () => {
    expect(formatLimit(500 * 1000 * 1000)).toBe('500 MB')
    expect(formatLimit(5 * 1000 * 1000 * 1000)).toBe('5 GB')
    expect(formatLimit(2 * 1024 ** 3)).toBe('2.0 GiB')
  })

  it('checks a URL as the contract does', () => {
    expect(urlProblem('https://example.com/a.sql.gz')).toBeNull()
    expect(urlProblem('http://10.0.0.2/a.tar.gz')).toBeNull()
    expect(urlProblem('  ')).toMatch(/^Give the URL/)
    expect(urlProblem('example.com/a.sql.gz')).toMatch(/^That is not a URL/)
    expect(urlProblem('file:///etc/passwd')).toMatch(/only http:\/\/ and https:\/\//)
    expect(urlProblem(`https://example.com/${'a'.repeat(2000)}`)).toMatch(/longer than 2,000/)
  })

  it('titles import jobs by their archives, files first; a URL by its file name', () => {
    const imports = {
      database: { name: 'wp-dump.sql.gz', size: 1, fromUrl: false, description: null },
      files: { name: 'files.tar.gz', size: 1, fromUrl: false, description: null },
    }
    expect(jobTitle(job({ kind: 'import', imports }))).toBe('Import files.tar.gz and wp-dump.sql.gz into dev')
    const byUrl = {
      database: { name: 'https://x.example/e/my%20dump.sql.gz?sig=1', size: null, fromUrl: true, description: null },
    }
    expect(jobTitle(job({ kind: 'import', imports: byUrl }))).toBe('Import my dump.sql.gz into dev')
    const bare = { files: { name: 'https://x.example/', size: null, fromUrl: true, description: null } }
    expect(jobTitle(job({ kind: 'import', imports: bare }))).toBe('Import x.example into dev')
    expect(notificationTitle(job({ kind: 'import', state: 'failed' }))).toBe('Import failed on dev')
  })

  it('words an upload’s transfer, leaving out what is not known', () => {
    const MiB = 1024 * 1024
    expect(transferText({ sent: 12 * MiB, total: 38 * MiB, bytesPerSecond: 4 * MiB, secondsLeft: 65 })).toBe(
      '12.0 MiB of 38.0 MiB · 4.0 MiB/s · 1 min 5 s left',
    )
    expect(transferText({ sent: 0, total: 38 * MiB, bytesPerSecond: null, secondsLeft: null })).toBe(
      '0 bytes of 38.0 MiB',
    )
  })
})

describe('reading a drop', () => {
  it('tells folders by their entry, else by an empty typeless file that cannot be read', async () => {
    const transfer = new DataTransfer()
    const dump = new File(['select 1;'], 'a.sql', { type: 'application/sql' })
    const dir = new File([], 'uploads', { type: '' })
    transfer.items.add(dump)
    transfer.items.add(dir)
    transfer.setData('text/plain', 'not a file')
    expect(carriesFiles(transfer)).toBe(true)
    Object.assign(transfer.items[1]!, { webkitGetAsEntry: () => ({ isDirectory: true }) })
    expect(dropEntries(transfer)).toEqual([
      { file: dump, folder: null },
      { file: dir, folder: true },
    ])

    const empty = new File([], 'empty.sql', { type: '' })
    expect(await isUnreadableFolder(empty)).toBe(false)
    const unreadable = new File([], 'photos', { type: '' })
    Object.assign(unreadable, {
      slice: () => ({ arrayBuffer: () => Promise.reject(new DOMException('A requested file could not be read.')) }),
    })
    expect(await isUnreadableFolder(unreadable)).toBe(true)
    expect(
      (
        await resolvePicks([
          { file: unreadable, folder: null },
          { file: dump, folder: null },
        ])
      ).map((p) => p.folder),
    ).toEqual([true, false])

    const text = new DataTransfer()
    text.setData('text/plain', 'dragged words')
    expect(carriesFiles(text)).toBe(false)
    expect(carriesFiles(null)).toBe(false)
  })
})
