import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultDownloadFolder } from '../../../src/main/downloads/service'
import { ensureFolder } from '../../../src/main/downloads/folders'

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

  it('fails instead of hanging where a folder cannot be made', async () => {
    const file = path.join(root, 'plain-file')
    await writeFile(file, 'x')
    await expect(ensureFolder(path.join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' })
    await expect(ensureFolder('/proc/restore-desk-test/x')).rejects.toHaveProperty('code')
  })
})
