/**
 * The app's saved connections and tokens are checked when read: a damaged connections.json or
 * token file is set aside with a message, the app starts clean, and the next save does not
 * overwrite the copy. Connection ids from outside select only real connections.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PlatformClient } from '../../../src/main/api/client'
import { ConnectionManager, EMBEDDED_ID } from '../../../src/main/connections/manager'
import {
  createFileSecretStore,
  createKeychainSecretStore,
  type SafeStorageLike,
} from '../../../src/main/connections/secrets'

const TOKEN = 'good-machine-token-123456'

const loginFetch = vi.fn(
  async () =>
    new Response(JSON.stringify({ session: 's', expires_at: Date.now() / 1000 + 3600, user_id: 'u1' }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    }),
)

let dir: string
let lines: string[]

function manager(secrets = createFileSecretStore(path.join(dir, 'secrets'))): ConnectionManager {
  return new ConnectionManager({
    dataDir: dir,
    secrets,
    startEmbedded: async () => ({ apiBase: 'http://127.0.0.1:1/api', machineToken: 'e', close: async () => {} }),
    onActiveChange: () => {},
    createClient: (baseUrl, machineToken) =>
      new PlatformClient({ baseUrl, machineToken, fetch: loginFetch, sleep: async () => {} }),
    log: (line) => lines.push(line),
  })
}

const saved = (connections: unknown[], active = EMBEDDED_ID) => JSON.stringify({ version: 1, active, connections })
const pantheon = { id: 'abc123', kind: 'pantheon', label: 'Agency', baseUrl: 'https://terminus.pantheon.io/api' }

async function copies(name: string, folder = dir): Promise<string[]> {
  return (await readdir(folder)).filter((entry) => entry.startsWith(`${name}.damaged-`))
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-conn-saved-'))
  lines = []
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('connections.json when read', () => {
  it('loads a valid list', async () => {
    await writeFile(path.join(dir, 'connections.json'), saved([pantheon], 'abc123'))
    const connections = manager()
    expect(await connections.init()).toEqual([])
    expect(connections.activeId).toBe('abc123')
    expect(connections.list().map((c) => c.label)).toEqual(['Embedded platform (this computer)', 'Agency'])
    expect(await copies('connections.json')).toEqual([])
  })

  for (const [problem, text, expected] of [
    ['not JSON', '{"version": 1, "connections": [', /not valid JSON/],
    ['a number where the label goes', saved([{ ...pantheon, label: 7 }]), /at "connections\.0\.label"/],
    ['a token sent in clear text', saved([{ ...pantheon, baseUrl: 'http://example.com/api' }]), /baseUrl/],
    ['two connections with one id', saved([pantheon, { ...pantheon, label: 'Twin' }]), /share an id/],
    ['the built-in id', saved([{ ...pantheon, id: EMBEDDED_ID }]), /belongs to the built-in platform/],
  ] as const) {
    it(`sets aside a file with ${problem}, starts with the embedded platform only, and keeps the copy`, async () => {
      const file = path.join(dir, 'connections.json')
      await writeFile(file, text)
      const connections = manager()
      const damaged = await connections.init()
      expect(damaged).toHaveLength(1)
      expect(damaged[0]?.problem).toMatch(expected)
      expect(lines.some((line) => line.includes(file) && line.includes(damaged[0]?.movedTo ?? '?'))).toBe(true)
      expect(connections.list().map((c) => c.id)).toEqual([EMBEDDED_ID])
      const [copy] = await copies('connections.json')
      expect(copy).toBeDefined()
      // The next save writes a new connections.json; the copy stays as it was.
      await connections.add({ kind: 'pantheon', label: 'New', machineToken: TOKEN })
      expect(JSON.parse(await readFile(file, 'utf8')).connections).toHaveLength(1)
      expect(await readFile(path.join(dir, copy ?? ''), 'utf8')).toBe(text)
    })
  }
})

describe('token files when read', () => {
  it('sets an empty token file aside and says what to do', async () => {
    await writeFile(path.join(dir, 'connections.json'), saved([pantheon], 'abc123'))
    const secrets = path.join(dir, 'secrets')
    await mkdir(secrets)
    await writeFile(path.join(secrets, 'abc123.token'), '')
    const connections = manager()
    await connections.init()
    await expect(connections.client()).rejects.toMatchObject({
      code: 'token_missing',
      message: expect.stringMatching(/abc123\.token could not be used \(the file is empty\).*add it again/),
    })
    expect(await copies('abc123.token', secrets)).toHaveLength(1)
  })

  it('sets aside a keychain token that cannot be decrypted', async () => {
    const safeStorage: SafeStorageLike = {
      isEncryptionAvailable: () => true,
      encryptString: (text) => Buffer.from(text),
      decryptString: () => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      },
    }
    const secrets = path.join(dir, 'secrets')
    await mkdir(secrets)
    await writeFile(path.join(secrets, 'abc123.enc'), 'garbage')
    const store = createKeychainSecretStore(secrets, safeStorage)
    await expect(store.load('abc123')).rejects.toMatchObject({
      code: 'token_missing',
      message: expect.stringMatching(/could not decrypt it/),
    })
    expect(await copies('abc123.enc', secrets)).toHaveLength(1)
    expect(await store.load('abc123')).toBeNull()
  })
})

describe('connection ids from outside', () => {
  for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`"${id}" selects no connection`, async () => {
      await writeFile(path.join(dir, 'connections.json'), saved([pantheon]))
      const connections = manager()
      await connections.init()
      await expect(connections.activate(id)).rejects.toMatchObject({ code: 'not_found' })
      await expect(connections.remove(id)).rejects.toMatchObject({ code: 'not_found' })
      await expect(connections.clientFor(id)).rejects.toMatchObject({ code: 'not_found' })
      expect(connections.activeId).toBe(EMBEDDED_ID)
      expect(JSON.parse(await readFile(path.join(dir, 'connections.json'), 'utf8')).active).toBe(EMBEDDED_ID)
    })
  }
})
