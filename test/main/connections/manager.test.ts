import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PlatformConnectionInfo } from '../../../src/shared/app'
import { PlatformClient } from '../../../src/main/api/client'
import { ConnectionManager, EMBEDDED_ID, normalizeApiBase } from '../../../src/main/connections/manager'
import {
  createDesktopSecretStore,
  createFileSecretStore,
  createKeychainSecretStore,
} from '../../../src/main/connections/secrets'

const GOOD_TOKEN = 'good-machine-token-123456'

/** A fetch that answers the login call like the platform: only GOOD_TOKEN logs in. */
const loginFetch = vi.fn(async (_url: string, init: RequestInit) => {
  const body = JSON.parse(String(init.body)) as { machine_token: string }
  if (body.machine_token === GOOD_TOKEN) {
    return new Response(JSON.stringify({ session: 'sess', expires_at: Date.now() / 1000 + 3600, user_id: 'u1' }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    })
  }
  return new Response(JSON.stringify('Authorization failed. Please check that your machine token is valid.'), {
    status: 401,
    headers: { 'Content-Type': 'application/json' },
  })
})

let dir: string
let announced: PlatformConnectionInfo[]

function manager(secrets = createFileSecretStore(path.join(dir, 'secrets'))) {
  return new ConnectionManager({
    dataDir: dir,
    secrets,
    startEmbedded: async () => ({
      apiBase: 'http://127.0.0.1:1/api',
      machineToken: 'embedded-token',
      close: async () => {},
    }),
    onActiveChange: (info) => announced.push(info),
    createClient: (baseUrl, machineToken) =>
      new PlatformClient({ baseUrl, machineToken, fetch: loginFetch, sleep: async () => {} }),
  })
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-conn-'))
  announced = []
  loginFetch.mockClear()
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('ConnectionManager', () => {
  it('starts with the embedded platform active and ready, no login asked', async () => {
    const connections = manager()
    await connections.init()
    await vi.waitFor(() =>
      expect(connections.list()[0]).toMatchObject({ id: EMBEDDED_ID, status: 'ready', active: true }),
    )
    expect(announced.at(-1)).toMatchObject({ id: EMBEDDED_ID, status: 'ready', baseUrl: 'http://127.0.0.1:1/api' })
  })

  it('saves a connection only after its token logged in, and never exposes the token', async () => {
    const connections = manager()
    await connections.init()
    await expect(
      connections.add({
        kind: 'remote-embedded',
        label: 'Staging box',
        baseUrl: 'http://127.0.0.1:8765',
        machineToken: 'wrong-token-999',
      }),
    ).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/not saved/) })
    expect(connections.list()).toHaveLength(1)
    await expect(readdir(path.join(dir, 'secrets'))).rejects.toMatchObject({ code: 'ENOENT' })

    const added = await connections.add({
      kind: 'remote-embedded',
      label: 'Staging box',
      baseUrl: 'http://127.0.0.1:8765/',
      machineToken: GOOD_TOKEN,
    })
    expect(added).toMatchObject({
      label: 'Staging box',
      baseUrl: 'http://127.0.0.1:8765/api',
      active: true,
      tokenStorage: 'file',
    })
    expect(added.tokenStorageNote).toMatch(/0600/)
    expect(JSON.stringify(connections.list())).not.toContain(GOOD_TOKEN)
    const saved = await readFile(path.join(dir, 'connections.json'), 'utf8')
    expect(saved).not.toContain(GOOD_TOKEN)
    const secretFile = path.join(dir, 'secrets', `${added.id}.token`)
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600)
    expect((await stat(path.join(dir, 'secrets'))).mode & 0o777).toBe(0o700)

    // A new manager (app restart) reads the list and the token back.
    const again = manager()
    await again.init()
    expect(again.activeId).toBe(added.id)
    const client = await again.client()
    expect(client.baseUrl).toBe('http://127.0.0.1:8765/api')
  })

  it('activates and removes connections; the embedded one cannot be removed', async () => {
    const connections = manager()
    await connections.init()
    const added = await connections.add({ kind: 'pantheon', label: 'Agency', machineToken: GOOD_TOKEN })
    expect(added.baseUrl).toBe('https://terminus.pantheon.io/api')
    await connections.activate(EMBEDDED_ID)
    expect(connections.activeId).toBe(EMBEDDED_ID)
    await connections.activate(added.id)
    await expect(connections.remove(EMBEDDED_ID)).rejects.toMatchObject({ code: 'bad_request' })
    const remaining = await connections.remove(added.id)
    expect(remaining.map((c) => c.id)).toEqual([EMBEDDED_ID])
    expect(connections.activeId).toBe(EMBEDDED_ID)
    await expect(readdir(path.join(dir, 'secrets'))).resolves.toEqual([])
    await expect(connections.activate(added.id)).rejects.toMatchObject({ code: 'not_found' })
  })

  it('keeps tokens encrypted by the keychain in the desktop app', async () => {
    const safeStorage = {
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)),
      decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8'),
    }
    const connections = manager(createKeychainSecretStore(path.join(dir, 'secrets'), safeStorage))
    await connections.init()
    const added = await connections.add({ kind: 'pantheon', label: 'Agency', machineToken: GOOD_TOKEN })
    expect(added.tokenStorage).toBe('keychain')
    const onDisk = await readFile(path.join(dir, 'secrets', `${added.id}.enc`))
    expect(onDisk.toString('utf8')).not.toContain(GOOD_TOKEN)
    expect(safeStorage.decryptString(onDisk)).toBe(GOOD_TOKEN)
  })

  it('refuses to store a token when the keychain is unavailable', async () => {
    const store = createKeychainSecretStore(path.join(dir, 'secrets'), {
      isEncryptionAvailable: () => false,
      encryptString: () => Buffer.alloc(0),
      decryptString: () => '',
    })
    await expect(store.save('abc', GOOD_TOKEN)).rejects.toMatchObject({ code: 'keychain_unavailable' })
  })

  it('does not call a hard-coded key a keychain: without a keyring the desktop app uses the 0600 file and says so', async () => {
    const basicText = {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'basic_text',
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
    }
    const store = createDesktopSecretStore(path.join(dir, 'secrets'), basicText)
    expect(store.storage).toBe('file')
    expect(store.note).toMatch(/No OS keychain was found/)
    const keyring = createDesktopSecretStore(path.join(dir, 'secrets'), {
      ...basicText,
      getSelectedStorageBackend: () => 'gnome_libsecret',
    })
    expect(keyring.storage).toBe('keychain')
  })

  it('removing a connection removes its token in either form, and a token kept by the other mode is explained', async () => {
    const secrets = path.join(dir, 'secrets')
    const browserMode = manager(createFileSecretStore(secrets))
    await browserMode.init()
    const added = await browserMode.add({ kind: 'pantheon', label: 'Agency', machineToken: GOOD_TOKEN })
    const desktop = manager(
      createKeychainSecretStore(secrets, {
        isEncryptionAvailable: () => true,
        encryptString: (s: string) => Buffer.from(s),
        decryptString: (b: Buffer) => b.toString(),
      }),
    )
    await desktop.init()
    await expect(desktop.client()).rejects.toMatchObject({
      code: 'token_missing',
      message: expect.stringMatching(/browser mode/),
    })
    await desktop.remove(added.id)
    await expect(readdir(secrets)).resolves.toEqual([])
  })

  it('reports an embedded platform that fails to start', async () => {
    const connections = new ConnectionManager({
      dataDir: dir,
      secrets: createFileSecretStore(path.join(dir, 'secrets')),
      startEmbedded: async () => {
        throw new Error('git was not found')
      },
      onActiveChange: (info) => announced.push(info),
    })
    await connections.init()
    await vi.waitFor(() =>
      expect(announced.at(-1)).toMatchObject({ status: 'error', error: expect.stringContaining('git was not found') }),
    )
    await expect(connections.client()).rejects.toMatchObject({ code: 'platform_unavailable' })
  })
})

describe('normalizeApiBase', () => {
  it('accepts loopback http and any https, and adds /api', () => {
    expect(normalizeApiBase('http://127.0.0.1:8765')).toBe('http://127.0.0.1:8765/api')
    expect(normalizeApiBase('http://localhost:8765/api/')).toBe('http://localhost:8765/api')
    expect(normalizeApiBase('https://platform.example.com')).toBe('https://platform.example.com/api')
  })

  it('refuses clear-text http to another computer and non-URLs', () => {
    expect(() => normalizeApiBase('http://192.168.1.20:8765')).toThrow(/https/)
    expect(() => normalizeApiBase('ftp://127.0.0.1')).toThrow(/https/)
    expect(() => normalizeApiBase('not a url')).toThrow(/not a URL/)
    expect(() => normalizeApiBase('https://me:secret@platform.example.com')).toThrow(/user name and password/)
  })
})
