import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleAppRequest, resolveAppFile } from '../../src/main/protocol'
import { CONTENT_SECURITY_POLICY } from '../../src/main/security'

let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-proto-'))
  await mkdir(path.join(root, 'renderer', 'assets'), { recursive: true })
  await writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>x</title>')
  await writeFile(path.join(root, 'renderer', 'assets', 'app.js'), 'console.log(1)')
  await writeFile(path.join(root, 'secret.txt'), 'do not serve')
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('app:// protocol', () => {
  it('serves files from the renderer folder with the CSP header', async () => {
    const response = await handleAppRequest({ url: 'app://restore-desk/assets/app.js' }, path.join(root, 'renderer'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/javascript')
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(await response.text()).toBe('console.log(1)')
    const index = await handleAppRequest({ url: 'app://restore-desk/' }, path.join(root, 'renderer'))
    expect(await index.text()).toContain('<title>x</title>')
  })

  it('never serves anything outside the renderer folder or another host', async () => {
    const renderer = path.join(root, 'renderer')
    // URL parsing folds dot segments back inside the root; encoded slashes would escape it, so they are refused.
    expect(resolveAppFile('app://restore-desk/../secret.txt', renderer)).toBe(path.join(renderer, 'secret.txt'))
    expect(resolveAppFile('app://restore-desk/%2e%2e/secret.txt', renderer)).toBe(path.join(renderer, 'secret.txt'))
    expect(resolveAppFile('app://restore-desk/..%2fsecret.txt', renderer)).toBeNull()
    expect(resolveAppFile('app://restore-desk/assets/..%2f..%2f..%2fsecret.txt', renderer)).toBeNull()
    expect(resolveAppFile('app://other-host/index.html', renderer)).toBeNull()
    expect((await handleAppRequest({ url: 'app://restore-desk/..%2fsecret.txt' }, renderer)).status).toBe(404)
    expect((await handleAppRequest({ url: 'app://restore-desk/%2e%2e/secret.txt' }, renderer)).status).toBe(404)
    expect((await handleAppRequest({ url: 'app://restore-desk/missing.js' }, renderer)).status).toBe(404)
  })
})
