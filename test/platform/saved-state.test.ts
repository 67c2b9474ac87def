/**
 * The platform's saved state is checked when read: a damaged state.json, sessions.json,
 * secrets.json, workflow record or backup.json is set aside with a message in the log, the
 * platform starts clean for that part, and the next save leaves the set-aside copy alone.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startPlatform } from '../../src/platform/index'
import { callJson, seededDataDir, startTestPlatform, type Json, type TestPlatform } from './helpers'

const open: TestPlatform[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const t of open.splice(0)) await t.close()
})

/** Starts a platform over `dir` (no seeding), logging into `lines`. */
async function start(dir: string, lines: string[]): Promise<TestPlatform> {
  const t = await startTestPlatform({ seed: 'none', log: (line) => lines.push(line) }, dir)
  open.push(t)
  return t
}

async function damagedCopies(dir: string, name: string): Promise<string[]> {
  return (await readdir(dir)).filter((entry) => entry.startsWith(`${name}.damaged-`)).map((entry) => join(dir, entry))
}

async function readJson(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8'))
}

describe("the platform's state files", () => {
  it('loads a valid state.json as it was', async () => {
    const dir = await seededDataDir()
    const lines: string[] = []
    const t = await start(dir, lines)
    expect(await t.siteId('demo-drupal')).toMatch(/\S/)
    expect(await damagedCopies(dir, 'state.json')).toEqual([])
    expect(lines.filter((line) => /could not be used/.test(line))).toEqual([])
  })

  it('sets a state.json with a wrong type aside, with its site folders, and starts without sites', async () => {
    const dir = await seededDataDir()
    const state = await readJson(join(dir, 'state.json'))
    const siteIds: string[] = state.sites.map((site: Json) => site.id)
    state.sites[0].created = 'yesterday'
    const damagedText = JSON.stringify(state)
    await writeFile(join(dir, 'state.json'), damagedText)
    const lines: string[] = []
    const t = await start(dir, lines)

    const [copy] = await damagedCopies(dir, 'state.json')
    expect(copy).toBeDefined()
    const message = lines.find((line) => line.includes('could not be used'))
    expect(message).toContain(join(dir, 'state.json'))
    expect(message).toContain('at "sites.0.created"')
    expect(message).toContain(copy)
    // The sites it described are kept aside too, not deleted as orphans.
    const [sitesCopy] = await damagedCopies(dir, 'sites')
    expect(sitesCopy).toBeDefined()
    expect((await readdir(sitesCopy ?? '')).sort()).toEqual([...siteIds].sort())
    expect(lines.some((line) => line.includes(`moved to ${sitesCopy}`))).toBe(true)

    const sites = await t.call('GET', `/api/users/${t.userId}/memberships/sites`)
    expect(sites.body).toEqual([])
    // The start saved a fresh state.json (its user); the copy is untouched.
    expect((await readJson(join(dir, 'state.json'))).sites).toEqual([])
    expect(await readFile(copy ?? '', 'utf8')).toBe(damagedText)
  })

  it('sets a sessions.json that is not JSON aside; clients log in again and the new session is saved beside the copy', async () => {
    const dir = await seededDataDir()
    await writeFile(join(dir, 'sessions.json'), '{"user:1": {"userId": "u", "expiresAt": 9')
    const lines: string[] = []
    const t = await start(dir, lines)
    const [copy] = await damagedCopies(dir, 'sessions.json')
    expect(lines.find((line) => line.includes(join(dir, 'sessions.json')))).toMatch(/not valid JSON/)
    // startTestPlatform logged in: sessions.json was written again.
    expect(Object.keys(await readJson(join(dir, 'sessions.json')))).toHaveLength(1)
    expect(await readFile(copy ?? '', 'utf8')).toBe('{"user:1": {"userId": "u", "expiresAt": 9')
    expect((await t.call('GET', `/api/users/${t.userId}`)).status).toBe(200)
  })

  it('sets a secrets.json with a number for the token aside and makes new secrets', async () => {
    const dir = await seededDataDir()
    const secrets = await readJson(join(dir, 'secrets.json'))
    const damagedText = JSON.stringify({ ...secrets, machineToken: 12345 })
    await writeFile(join(dir, 'secrets.json'), damagedText)
    const lines: string[] = []
    const platform = await startPlatform({ dataDir: dir, seed: 'none', log: (line) => lines.push(line) })
    try {
      expect(platform.tokenWasGenerated).toBe(true)
      expect(platform.machineToken).not.toBe('12345')
      expect(lines.find((line) => line.includes(join(dir, 'secrets.json')))).toMatch(/at "machineToken"/)
      // The app shows what the platform set aside: the start hands the same report back.
      expect(platform.damaged.map((damage) => damage.file)).toEqual([join(dir, 'secrets.json')])
      const [copy] = await damagedCopies(dir, 'secrets.json')
      expect(await readFile(copy ?? '', 'utf8')).toBe(damagedText)
      expect((await readJson(join(dir, 'secrets.json'))).machineToken).toBe(platform.machineToken)
      const login = await callJson(platform.url, 'POST', '/api/authorize/machine-token', {
        machine_token: platform.machineToken,
      })
      expect(login.status).toBe(200)
    } finally {
      await platform.close()
    }
  })
})

describe('workflow records', () => {
  it('sets a damaged record aside, leaves it out of the list and keeps the copy when others are saved', async () => {
    const dir = await seededDataDir()
    const lines: string[] = []
    let t = await start(dir, lines)
    const siteId = await t.siteId('demo-drupal')
    const kept = await t.runWorkflow(siteId, 'dev', 'lock_environment', { username: 'u', password: 'p' })
    const damaged = await t.runWorkflow(siteId, 'dev', 'unlock_environment', {})
    await t.close()
    open.splice(0)

    const file = join(dir, 'workflows', `${damaged.id}.json`)
    const record = await readJson(file)
    const damagedText = JSON.stringify({ ...record, phase: 'running', step: '2' })
    await writeFile(file, damagedText)
    t = await start(dir, lines)
    const [copy] = await damagedCopies(join(dir, 'workflows'), `${damaged.id}.json`)
    expect(copy).toBeDefined()
    expect(lines.find((line) => line.includes(file))).toMatch(/at "phase"/)
    expect((await t.call('GET', `/api/sites/${siteId}/workflows/${damaged.id}`)).status).toBe(404)
    expect((await t.call('GET', `/api/sites/${siteId}/workflows/${kept.id}`)).body.result).toBe('succeeded')
    await t.runWorkflow(siteId, 'dev', 'unlock_environment', {})
    expect(await readFile(copy ?? '', 'utf8')).toBe(damagedText)
  })

  it('refuses a record whose id does not match its file name', async () => {
    const dir = await seededDataDir()
    const lines: string[] = []
    let t = await start(dir, lines)
    const siteId = await t.siteId('demo-drupal')
    const done = await t.runWorkflow(siteId, 'dev', 'unlock_environment', {})
    await t.close()
    open.splice(0)
    const file = join(dir, 'workflows', `${done.id}.json`)
    await writeFile(file, JSON.stringify({ ...(await readJson(file)), id: 'someone-else' }))
    t = await start(dir, lines)
    expect(lines.find((line) => line.includes(file))).toMatch(/at "id": the id does not match/)
    expect((await t.call('GET', `/api/sites/${siteId}/workflows`)).body).toEqual([])
  })
})

describe('backup records', () => {
  it('sets a damaged backup.json aside and leaves that backup out of the catalog', async () => {
    // Reported in the platform's own log (where the app shows its lines), not on the console.
    const warnings: string[] = []
    const t = await startTestPlatform({ log: (line) => warnings.push(line) })
    open.push(t)
    const siteId = await t.siteId('demo-drupal')
    const catalog = (await t.call('GET', `/api/sites/${siteId}/environments/live/backups/catalog`)).body
    const folders = [...new Set(Object.values(catalog).map((entry: Json) => entry.folder as string))]
    const [victim, ...others] = folders
    expect(victim).toBeDefined()
    const backupDir = join(t.dataDir, 'sites', siteId, 'envs', 'live', 'backups', victim ?? '')
    const record = await readJson(join(backupDir, 'backup.json'))
    const damagedText = JSON.stringify({ ...record, elements: { ...record.elements, database: { size: 'big' } } })
    await writeFile(join(backupDir, 'backup.json'), damagedText)

    const after = (await t.call('GET', `/api/sites/${siteId}/environments/live/backups/catalog`)).body
    const afterFolders = new Set(Object.values(after).map((entry: Json) => entry.folder as string))
    expect(afterFolders).toEqual(new Set(others))
    expect(warnings.find((line) => line.includes(join(backupDir, 'backup.json')))).toMatch(
      /at "elements\.database\.filename"/,
    )
    const [copy] = await damagedCopies(backupDir, 'backup.json')
    expect(await readFile(copy ?? '', 'utf8')).toBe(damagedText)
    // A signed link for it is refused like one for an expired backup.
    const token = await t.call(
      'POST',
      `/api/sites/${siteId}/environments/live/backups/catalog/${victim}/database/s3token`,
      { method: 'get' },
    )
    expect(token.status).toBe(404)
  })
})
