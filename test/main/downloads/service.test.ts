import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PlatformClient } from '../../../src/main/api/client'
import { ensureFolder } from '../../../src/main/downloads/folders'
import { DownloadManager } from '../../../src/main/downloads/manager'
import { defaultDownloadFolder, startBackupDownloads } from '../../../src/main/downloads/service'
import type { DownloadTransport } from '../../../src/main/downloads/transport'

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-svc-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('download folders', () => {
  it('names the default folder after the site and environment, safely', () => {
    expect(defaultDownloadFolder('/home/me/Downloads/Restore Desk', 'demo-drupal', 'live')).toBe(
      '/home/me/Downloads/Restore Desk/demo-drupal/live',
    )
    expect(defaultDownloadFolder('/d', '../evil', 'dev')).toBe('/d/.._evil/dev')
    expect(defaultDownloadFolder('/d', 'a:b*c', '..')).toBe('/d/a_b_c/_')
  })

  it('creates nested folders and accepts existing ones', async () => {
    const dir = path.join(root, 'a', 'b', 'c')
    await ensureFolder(dir)
    expect((await stat(dir)).isDirectory()).toBe(true)
    await ensureFolder(dir)
  })

  it('normalises `..` before making anything, so a/b/../c makes only a/c', async () => {
    const base = path.join(root, 'dots')
    await ensureFolder(`${base}/a/b/../c`)
    expect((await stat(path.join(base, 'a', 'c'))).isDirectory()).toBe(true)
    expect(await readdir(path.join(base, 'a'))).toEqual(['c'])
  })

  it('fails instead of hanging where a folder cannot be made', async () => {
    const file = path.join(root, 'plain-file')
    await writeFile(file, 'x')
    await expect(ensureFolder(path.join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' })
    await expect(ensureFolder('/proc/restore-desk-test/x')).rejects.toHaveProperty('code')
  })
})

describe('starting backup downloads', () => {
  it('a chosen folder with `..` is normalised: only a/c is made, and the downloads name it', async () => {
    const base = path.join(root, 'chosen')
    const client = {
      getSite: async () => ({ name: 'demo-drupal' }),
      backupCatalog: async () => [
        {
          folder: '1700000000_automated',
          parts: {
            database: { element: 'database', filename: 'db.sql.gz', size: 10, finished: true },
          },
        },
      ],
    } as unknown as PlatformClient
    // A transport that never finishes: this test is about folders, not bytes.
    const transport: DownloadTransport = {
      name: 'idle',
      transfer: ({ signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
    }
    const manager = new DownloadManager({
      stateFile: path.join(root, 'chosen-state.json'),
      transport,
      getLink: async () => 'http://127.0.0.1:9/never',
    })
    try {
      const [item] = await startBackupDownloads(manager, client, 'embedded', '/unused', {
        siteId: 'site-1',
        env: 'dev',
        folder: '1700000000_automated',
        elements: ['database'],
        destDir: `${base}/a/b/../c`,
      })
      expect(item?.destDir).toBe(path.join(base, 'a', 'c'))
      expect(await readdir(path.join(base, 'a'))).toEqual(['c'])
    } finally {
      await manager.close()
    }
  })
})
