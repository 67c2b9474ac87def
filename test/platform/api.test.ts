/**
 * The read side of the API against a real platform: login and sessions, users, memberships,
 * site names, sites, environments, connection info, code log (labels, paging), and the
 * replay of the recorded Pantheon responses: every field they show, ours has too.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { callJson, startTestPlatform, type TestPlatform } from './helpers'
import type { Json } from './helpers'
import { loadShapes, type Shape } from '../helpers/fixtures'

let t: TestPlatform
let siteId: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-drupal')
})

afterAll(async () => {
  await t?.close()
})

describe('authentication', () => {
  it("logs in with the machine token and refuses a bad one with the contract's text", async () => {
    const ok = await callJson(t.platform.url, 'POST', '/api/authorize/machine-token', {
      machine_token: 'test-token',
      client: 'terminus',
    })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ session: expect.any(String), user_id: expect.any(String) })
    expect(ok.body.expires_at).toBeGreaterThan(Date.now() / 1000)
    const bad = await callJson(t.platform.url, 'POST', '/api/authorize/machine-token', {
      machine_token: 'nope',
      client: 'terminus',
    })
    expect(bad.status).toBe(401)
    expect(bad.body).toBe('Authorization failed. Please check that your machine token is valid.')
  })

  it('answers 401 without a session, with an unknown one, and once a session expires', async () => {
    expect((await callJson(t.platform.url, 'GET', `/api/sites/${siteId}`)).status).toBe(401)
    expect((await t.call('GET', `/api/sites/${siteId}`, undefined, { Authorization: 'Bearer made-up' })).status).toBe(
      401,
    )
    expect((await t.call('GET', `/api/sites/${siteId}`)).status).toBe(200)
  })

  it('lets sessions expire, and keeps the token and sessions across a restart', async () => {
    const { startPlatform } = await import('../../src/platform/index')
    const { tempDir } = await import('./helpers')
    const dir = await tempDir('sessions')
    onTestFinished(async () => {
      const { rm } = await import('node:fs/promises')
      await rm(dir, { recursive: true, force: true })
    })
    const first = await startPlatform({ dataDir: dir })
    expect(first.tokenWasGenerated).toBe(true)
    const login = await callJson(first.url, 'POST', '/api/authorize/machine-token', {
      machine_token: first.machineToken,
    })
    const me = `/api/users/${login.body.user_id}`
    expect(
      (await callJson(first.url, 'GET', me, undefined, { Authorization: `Bearer ${login.body.session}` })).status,
    ).toBe(200)
    await first.close()
    const second = await startPlatform({ dataDir: dir, sessionTtlSeconds: 1 })
    try {
      expect(second.tokenWasGenerated).toBe(false)
      expect(second.machineToken).toBe(first.machineToken)
      // The session from before the restart is still good...
      expect(
        (await callJson(second.url, 'GET', me, undefined, { Authorization: `Bearer ${login.body.session}` })).status,
      ).toBe(200)
      // ...and a one-second session stops working once its second is up.
      const short = await callJson(second.url, 'POST', '/api/authorize/machine-token', {
        machine_token: first.machineToken,
      })
      expect(short.body.expires_at - Date.now() / 1000).toBeLessThanOrEqual(1)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect(
        (await callJson(second.url, 'GET', me, undefined, { Authorization: `Bearer ${short.body.session}` })).status,
      ).toBe(401)
    } finally {
      await second.close()
    }
    const third = await startPlatform({ dataDir: dir, machineToken: 'override' })
    try {
      expect(third.machineToken).toBe('override')
      expect(
        (await callJson(third.url, 'POST', '/api/authorize/machine-token', { machine_token: first.machineToken }))
          .status,
      ).toBe(401)
    } finally {
      await third.close()
    }
  })
})

describe('sites and environments', () => {
  it('lists memberships with sites, paged', async () => {
    const all = await t.call('GET', `/api/users/${t.userId}/memberships/sites`)
    expect(all.status).toBe(200)
    expect(all.body.map((m: Json) => m.site.name).sort()).toEqual(['demo-drupal', 'demo-wordpress'])
    expect(all.body[0]).toMatchObject({
      id: expect.any(String),
      site_id: expect.any(String),
      user_id: t.userId,
      role: expect.any(String),
    })
    const first = await t.call('GET', `/api/users/${t.userId}/memberships/sites?limit=1`)
    expect(first.body).toHaveLength(1)
    const second = await t.call('GET', `/api/users/${t.userId}/memberships/sites?limit=1&start=${first.body[0].id}`)
    expect(second.body).toHaveLength(1)
    expect(second.body[0].id).not.toBe(first.body[0].id)
    const end = await t.call('GET', `/api/users/${t.userId}/memberships/sites?limit=1&start=${second.body[0].id}`)
    expect(end.body).toEqual([])
  })

  it('looks up sites by name (404 for unknown) and by id', async () => {
    const wp = await t.call('GET', '/api/site-names/demo-wordpress')
    expect(wp.body).toEqual({ id: expect.any(String), name: 'demo-wordpress' })
    const missing = await t.call('GET', '/api/site-names/nope')
    expect(missing.status).toBe(404)
    expect(typeof missing.body).toBe('string')
    const site = await t.call('GET', `/api/sites/${wp.body.id}`)
    expect(site.body).toMatchObject({
      id: wp.body.id,
      name: 'demo-wordpress',
      framework: 'wordpress',
      owner: t.userId,
      plan_name: expect.any(String),
    })
    expect((await t.call('GET', `/api/sites/${siteId}`)).body.framework).toBe('drupal8')
    expect((await t.call('GET', '/api/sites/not-a-site')).status).toBe(404)
  })

  it('returns environments keyed by name with code refs and locks', async () => {
    const envs = (await t.call('GET', `/api/sites/${siteId}/environments`)).body
    expect(Object.keys(envs).sort()).toEqual(['dev', 'live', 'test'])
    expect(envs.dev.target_ref).toBe('refs/heads/master')
    expect(envs.test.target_ref).toMatch(/^refs\/tags\/pantheon_test_\d+$/)
    expect(envs.live.target_ref).toMatch(/^refs\/tags\/pantheon_live_\d+$/)
    for (const env of Object.values(envs) as Json[]) {
      expect(env.target_commit).toMatch(/^[0-9a-f]{40}$/)
      expect(env.lock).toEqual({ locked: false, username: null, password: null })
      expect(typeof env.environment_created).toBe('number')
    }
  })

  it('gives dev an HTTP git remote in connection-info', async () => {
    const info = (await t.call('GET', `/api/sites/${siteId}/environments/dev/connection-info`)).body
    expect(info).toMatchObject({ git_protocol: 'http', git_url: `${t.platform.url}/git/${siteId}.git` })
  })

  it("names each environment's platform domain, as the WordPress database does", async () => {
    const wp = await t.siteId('demo-wordpress')
    const domains = (await t.call('GET', `/api/sites/${wp}/environments/test/domains`)).body as Json[]
    expect(domains).toEqual([expect.objectContaining({ id: 'test-demo-wordpress.pantheonsite.io', type: 'platform' })])
    expect((await t.call('GET', `/api/sites/${wp}/environments/nope/domains`)).status).toBe(404)
  })

  it("[ext] summarises an environment's current database and files", async () => {
    const summary = (await t.call('GET', `/api/sites/${siteId}/environments/dev/content-summary`)).body
    expect(summary.database.size).toBeGreaterThan(100)
    expect(summary.database.modified).toBeGreaterThan(1_600_000_000)
    expect(summary.files.count).toBeGreaterThan(0)
    expect(summary.files.size).toBeGreaterThan(summary.files.count)
    expect(summary.files.modified).toBeLessThanOrEqual(Date.now() / 1000 + 1)
  })

  it("[ext] names each code backup's commit and ref in the catalog", async () => {
    const catalog = (await t.call('GET', `/api/sites/${siteId}/environments/test/backups/catalog`)).body as Record<
      string,
      Json
    >
    const codes = Object.entries(catalog).filter(([key]) => key.endsWith('_code'))
    expect(codes.length).toBeGreaterThan(0)
    for (const [, entry] of codes) {
      expect(entry.commit).toMatch(/^[0-9a-f]{40}$/)
      expect(entry.target_ref).toMatch(/^refs\/tags\/pantheon_test_\d+$/)
    }
    expect(Object.entries(catalog).some(([key, entry]) => !key.endsWith('_code') && 'commit' in entry)).toBe(false)
  })

  it('labels the code log with the environments that contain each commit, newest first, paged', async () => {
    const envs = (await t.call('GET', `/api/sites/${siteId}/environments`)).body
    const log = (await t.call('GET', `/api/sites/${siteId}/environments/dev/code-log`)).body as Json[]
    expect(log.length).toBeGreaterThan(10)
    expect(log[0]).toMatchObject({ hash: envs.dev.target_commit, labels: ['dev'] })
    expect(log[0].datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    const liveCommit = log.find((c) => c.hash === envs.live.target_commit)
    expect([...liveCommit.labels].sort()).toEqual(['dev', 'live', 'test'])
    const testOnly = log.filter((c) => c.labels.includes('test') && !c.labels.includes('live'))
    expect(testOnly.length).toBeGreaterThan(0)
    for (let i = 1; i < log.length; i += 1) expect(log[i - 1].datetime >= log[i].datetime).toBe(true)
    const page = (await t.call('GET', `/api/sites/${siteId}/environments/dev/code-log?limit=5&start=${log[4].hash}`))
      .body
    expect(page.map((c: Json) => c.hash)).toEqual(log.slice(5, 10).map((c) => c.hash))
  })
})

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}

/** The JSON types a recorded shape allows: `"number|string"` → both; a spelled-out object or array → its kind. */
function typesOf(shape: Shape): readonly string[] {
  return typeof shape === 'string' ? shape.split('|') : Array.isArray(shape) ? ['array'] : ['object']
}

/** Fields Pantheon leaves null until later; ours may be null or have a value. */
const LATER = new Set([
  'started_at',
  'finished_at',
  'run_time',
  'total_time',
  'queued_time',
  'final_task_id',
  'waiting_for_task_id',
  'result',
  'user_id',
  'user',
  'user_email',
  'invited_by_id',
  'product_id',
  'created_organization_id',
  'destination_organization_id',
  'base_domain',
  'host',
  'build_url',
  'username',
  'password',
  'encryption_passphrase',
  'queued_at',
])

/**
 * Checks that `ours` has every field of the recorded shape, with the same JSON type. A field
 * Pantheon only ever sent as null may be anything; the subtrees the shapes file lists as
 * opaque (Pantheon's bookkeeping) are recorded as their type only, so only their type is
 * compared. Array elements are compared with our first element.
 */
function compareShape(
  recorded: Shape,
  ours: unknown,
  path: string,
  problems: string[],
  dynamicKey?: (key: string) => string,
): void {
  if (typeof recorded === 'string') return
  if (Array.isArray(recorded)) {
    if (kind(ours) !== 'array') {
      problems.push(`${path}: expected an array, got ${kind(ours)}`)
      return
    }
    const sample = (ours as unknown[])[0]
    const element = recorded[0]
    if (sample === undefined || element === undefined) return
    compareShape(element, sample, `${path}[]`, problems)
    return
  }
  if (kind(ours) !== 'object') {
    problems.push(`${path}: expected an object, got ${kind(ours)}`)
    return
  }
  const mine = ours as Record<string, unknown>
  for (const [key, value] of Object.entries(recorded as Record<string, Shape>)) {
    const ourKey = dynamicKey ? dynamicKey(key) : key
    if (!Object.hasOwn(mine, ourKey)) {
      problems.push(`${path}.${key}: missing`)
      continue
    }
    const theirs = typesOf(value)
    const got = kind(mine[ourKey])
    const numberish = (k: string) => k === 'number' || k === 'string'
    if (
      !theirs.includes('null') &&
      !theirs.includes(got) &&
      !(LATER.has(key) && got === 'null') &&
      !(theirs.every(numberish) && numberish(got) && key.includes('version'))
    ) {
      problems.push(`${path}.${key}: expected ${theirs.join(' or ')}, got ${got}`)
      continue
    }
    compareShape(value, mine[ourKey], `${path}.${key}`, problems)
  }
}

describe('recorded Pantheon responses', () => {
  it("are matched field for field (and type for type) by the platform's responses", async () => {
    const recorded = await loadShapes()
    const ours = new Map<string, unknown>()
    const wp = await t.siteId('demo-wordpress')
    const login = await callJson(t.platform.url, 'POST', '/api/authorize/machine-token', {
      machine_token: 'test-token',
      client: 'terminus',
    })
    ours.set('login', login.body)
    ours.set('user', (await t.call('GET', `/api/users/${t.userId}`)).body)
    ours.set('memberships', (await t.call('GET', `/api/users/${t.userId}/memberships/sites`)).body)
    ours.set('site-name', (await t.call('GET', '/api/site-names/demo-wordpress')).body)
    ours.set('site', (await t.call('GET', `/api/sites/${wp}`)).body)
    ours.set('environments', (await t.call('GET', `/api/sites/${wp}/environments`)).body)
    ours.set('code-log', (await t.call('GET', `/api/sites/${wp}/environments/dev/code-log`)).body)
    const catalog = (await t.call('GET', `/api/sites/${wp}/environments/dev/backups/catalog`)).body
    ours.set('catalog', catalog)
    ours.set('schedule', (await t.call('GET', `/api/sites/${wp}/environments/dev/backups/schedule`)).body)
    const folder = (Object.values(catalog) as Json[]).find((entry) => entry.filename?.endsWith('_code.tar.gz')).folder
    ours.set(
      's3token',
      (
        await t.call('POST', `/api/sites/${wp}/environments/dev/backups/catalog/${folder}/code/s3token`, {
          method: 'get',
        })
      ).body,
    )
    const started = await t.call('POST', `/api/sites/${wp}/environments/dev/workflows`, {
      type: 'do_export',
      params: { code: false, database: true, files: false, entry_type: 'backup', ttl: 600 },
    })
    expect(started.status).toBe(202)
    ours.set('workflow-start', started.body)
    await t.waitWorkflow(wp, started.body.id)
    ours.set('workflow', (await t.call('GET', `/api/sites/${wp}/workflows/${started.body.id}`)).body)
    ours.set('workflows', (await t.call('GET', `/api/sites/${wp}/workflows`)).body)

    // The shapes file names catalog entries `{folder}_<element>`: ours are matched by their element.
    const catalogKey = (key: string): string => {
      const match = /^\{folder\}_(code|database|files|manifest)$/.exec(key)
      if (!match) return key
      const element = match[1]
      return Object.keys(catalog).find((ourKey) => ourKey.endsWith(`_${element}`)) ?? `(no ${element} entry)`
    }
    const problems: string[] = []
    expect(Object.keys(recorded.operations).sort()).toEqual([...ours.keys()].sort())
    for (const [operation, { shape }] of Object.entries(recorded.operations)) {
      compareShape(shape, ours.get(operation), operation, problems, operation === 'catalog' ? catalogKey : undefined)
    }
    expect([...new Set(problems)]).toEqual([])
  })
})

describe('an environment never deployed to', () => {
  it('has no target_ref and no target_commit', async () => {
    const { environmentJson } = await import('../../src/platform/routes/shapes')
    const site = {
      id: 's',
      name: 'n',
      label: 'l',
      framework: 'wordpress',
      created: 1,
      ownerId: 'u',
      planName: 'Basic',
      frozen: false,
    }
    const json = environmentJson(
      'test',
      { created: 1, lock: { locked: false, username: null, password: null }, randseed: 'r' },
      site,
    )
    expect(json).not.toHaveProperty('target_ref')
    expect(json).not.toHaveProperty('target_commit')
    expect(json).toMatchObject({ is_initialized: false, lock: { locked: false } })
  })
})
