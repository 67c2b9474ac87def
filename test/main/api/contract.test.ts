/**
 * Contract tests: the client against Pantheon's own recorded answers
 * (test/fixtures/pantheon, distilled from Terminus's test recordings). Every
 * recorded exchange of an operation the client uses is replayed through the
 * client, which must send the recorded request and parse the recorded
 * response; then concrete values from the recordings are checked per operation.
 */
import { describe, expect, it } from 'vitest'
import { PlatformClient } from '../../../src/main/api/client'
import { PlatformApiError } from '../../../src/main/api/api-error'
import type { SessionInfo } from '../../../src/main/api/http'
import type {
  Backup,
  BackupSchedule,
  CodeLogEntry,
  Environment,
  PlatformUser,
  Site,
  StartableWorkflowType,
  Workflow,
} from '../../../src/shared/platform-types'
import { listFixtures, loadFixture, replayFetch } from '../../helpers/fixtures'
import type { RecordedExchange } from '../../helpers/fixtures'

const MACHINE_TOKEN = '111111111111111111111111111111111111111111111'
const USER = '11111111-1111-1111-1111-111111111111'
const SITE = '11111111-1111-1111-1111-111111111111'

async function clientFor(fixture: string, machineToken = MACHINE_TOKEN) {
  const exchanges = await loadFixture(fixture)
  const replay = replayFetch(exchanges)
  const client = new PlatformClient({
    baseUrl: 'https://terminus.pantheon.io/api',
    machineToken,
    fetch: replay.fetch,
    sleep: async () => {},
    // The recordings' sessions expired in 2016; keep the clock before that so they stay valid.
    now: () => Date.UTC(2016, 0, 1),
  })
  return { client, replay, exchanges }
}

/** Requests Terminus made that the app does not (none since organization sites are listed too). */
const NOT_USED_BY_CLIENT: readonly RegExp[] = []

/** Runs the client operation that makes `exchange`'s request; returns what it produced. */
async function perform(client: PlatformClient, exchange: RecordedExchange): Promise<unknown> {
  const { method, pathname } = exchange.request
  const p = pathname
    .replace(/^\/api/, '')
    .split('/')
    .map(decodeURIComponent)
  const body = exchange.request.body ? (JSON.parse(exchange.request.body) as Record<string, unknown>) : {}
  const route = `${method} ${pathname.replace(/^\/api/, '')}`
  switch (true) {
    case route === 'POST /authorize/machine-token':
      return client.login()
    case /^GET \/users\/[^/]+$/.test(route):
      return client.currentUser()
    case /^GET \/users\/[^/]+\/memberships\/(sites|organizations)$/.test(route):
    case /^GET \/organizations\/[^/]+\/memberships\/sites$/.test(route):
      return client.listSites()
    case /^GET \/site-names\/[^/]+$/.test(route):
      return client.findSiteByName(p[2]!)
    case /^GET \/sites\/[^/]+$/.test(route):
      return client.getSite(p[2]!)
    case /^GET \/sites\/[^/]+\/environments$/.test(route):
      return client.listEnvironments(p[2]!)
    case /^GET \/sites\/[^/]+\/environments\/[^/]+\/code-log$/.test(route):
      return client.codeLog(p[2]!, p[4]!)
    case /^GET \/sites\/[^/]+\/environments\/[^/]+\/backups\/catalog$/.test(route):
      return client.backupCatalog(p[2]!, p[4]!)
    case /^GET \/sites\/[^/]+\/environments\/[^/]+\/backups\/schedule$/.test(route):
      return client.backupSchedule(p[2]!, p[4]!)
    case /^POST \/sites\/[^/]+\/environments\/[^/]+\/backups\/catalog\/[^/]+\/[^/]+\/s3token$/.test(route):
      return client.getBackupDownloadUrl(p[2]!, p[4]!, p[7]!, p[8] as 'code')
    case /^POST \/sites\/[^/]+\/environments\/[^/]+\/workflows$/.test(route):
      // Replays whatever Terminus started, including types the app never starts (create_environment).
      return client.startWorkflow(p[2]!, p[4]!, body.type as StartableWorkflowType, body.params as never)
    case /^GET \/sites\/[^/]+\/workflows\/[^/]+$/.test(route):
      return client.getWorkflow(p[2]!, p[4]!)
    case /^GET \/sites\/[^/]+\/workflows$/.test(route):
      return client.listWorkflows(p[2]!)
    default:
      throw new Error(`The contract test has no client operation for ${route}`)
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** 2010-01-01: every time in the recordings is later, so an earlier one was misread. */
const SANE_TIME = Date.UTC(2010, 0, 1)

/** Checks what any answer of an operation must look like once parsed, whichever recording it came from. */
function expectSensible(exchange: RecordedExchange, value: unknown): void {
  const route = exchange.request.method + ' ' + exchange.request.pathname.replace(/^\/api/, '')
  const v = value as never
  if (route.endsWith('/authorize/machine-token')) {
    expect((v as SessionInfo).userId).toMatch(UUID)
    expect((v as SessionInfo).expiresAt).toBeGreaterThan(SANE_TIME)
  } else if (/^GET \/users\/[^/]+$/.test(route)) {
    expect((v as PlatformUser).email).toMatch(/@/)
  } else if (route.endsWith('/memberships/sites')) {
    expect((v as Site[]).length).toBeGreaterThan(0)
    for (const site of v as Site[])
      expect(site).toMatchObject({ id: expect.stringMatching(UUID), name: expect.stringMatching(/^[a-z0-9-]+$/) })
  } else if (/^GET \/(site-names\/[^/]+|sites\/[^/]+)$/.test(route)) {
    expect(v as Site).toMatchObject({ name: 'behat-tests', id: expect.stringMatching(UUID) })
    expect((v as Site).createdAt).toBeGreaterThan(SANE_TIME)
  } else if (route.endsWith('/environments')) {
    const names = (v as Environment[]).map((e) => e.name)
    expect(names.slice(0, 3)).toEqual(['dev', 'test', 'live'])
    for (const env of v as Environment[]) if (env.initialized) expect(env.targetCommit).toMatch(/^[0-9a-f]{40}$/)
  } else if (route.endsWith('/code-log')) {
    for (const c of v as CodeLogEntry[]) {
      expect(c.hash).toMatch(/^[0-9a-f]{40}$/)
      expect(c.committedAt).toBeGreaterThan(SANE_TIME)
      expect(c.labels.length).toBeGreaterThan(0)
    }
  } else if (route.endsWith('/backups/catalog')) {
    for (const b of v as Backup[]) {
      expect(b.startedAt).toBeGreaterThan(SANE_TIME)
      if (b.finished) expect(b.totalSize).toBeGreaterThan(0)
    }
  } else if (route.endsWith('/backups/schedule')) {
    expect((v as BackupSchedule).days).toHaveLength(7)
  } else if (route.endsWith('/s3token')) {
    expect(v).toMatch(/^https:\/\//)
  } else if (route.endsWith('/workflows') && exchange.request.method === 'GET') {
    expect((v as Workflow[]).length).toBeGreaterThan(0)
    for (const w of v as Workflow[]) expect(w.createdAt).toBeGreaterThan(SANE_TIME)
  } else if (route.includes('/workflows')) {
    const w = v as Workflow
    expect(w.id).toMatch(UUID)
    expect(w.createdAt).toBeGreaterThan(SANE_TIME)
    if (exchange.request.method === 'POST')
      expect(w.type).toBe((JSON.parse(exchange.request.body!) as { type: string }).type)
    if (w.finished) expect(w.succeeded).toBe(true)
  } else {
    throw new Error(`No sanity check for ${route}`)
  }
}

describe('every recorded exchange of every operation the client uses', async () => {
  const names = await listFixtures()

  it('finds the recordings named in the contract', () => {
    for (const name of [
      'auth-login',
      'auth-login-machine-token-invalid',
      'site-list',
      'site-lookup',
      'site-lookup-dne',
      'env-list',
      'env-code-log',
      'backup-list',
      'backup-list-empty',
      'backup-get-file',
      'backup-get-none',
      'backup-schedule-get',
      'backup-create',
      'backup-restore',
      'import-database',
      'import-files',
      'env-clone',
      'env-deploy',
      'env-deploy-init',
      'env-deploy-no-changes',
      'lock-add-remove',
      'workflow-info-status',
      'workflow-list',
    ]) {
      expect(names).toContain(name)
    }
  })

  it.each(names)('%s: the client sends the recorded requests and parses every answer', async (name) => {
    const { client, replay, exchanges } = await clientFor(
      name,
      name === 'auth-login-machine-token-invalid' ? 'invalid' : MACHINE_TOKEN,
    )
    let performed = 0
    for (const exchange of exchanges) {
      if (NOT_USED_BY_CLIENT.some((re) => re.test(exchange.request.pathname))) continue
      // Already answered as part of an earlier operation (findSiteByName also reads the site).
      if (!replay.unused().includes(exchange)) continue
      const before = replay.calls.length
      const outcome = await perform(client, exchange).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      performed++
      const call = replay.calls[before]
      expect(call, `${name}: the client made no request for ${exchange.request.path}`).toBeDefined()
      expect(call!.exchange).toBe(exchange)
      if (exchange.request.body) {
        const sent = JSON.parse(call!.body ?? 'null') as Record<string, unknown>
        const recorded = JSON.parse(exchange.request.body) as Record<string, unknown>
        // The app names itself; Terminus said "terminus".
        if ('client' in recorded) expect(sent).toEqual({ ...recorded, client: 'restore-desk' })
        else expect(sent).toEqual(recorded)
      }
      // Every call carries the session of the client's own (replayed) login. Terminus's own
      // Authorization headers are not kept: its recordings were stitched from several runs.
      const login = replay.calls.filter((c) => c.path.endsWith('/authorize/machine-token')).at(-1)
      if (call === login) expect(call!.headers.authorization).toBeUndefined()
      else
        expect(call!.headers.authorization).toBe(
          `Bearer ${(JSON.parse(login!.exchange.response.body) as { session: string }).session}`,
        )

      if (exchange.response.status < 400) {
        if (!outcome.ok) throw outcome.error
        expectSensible(exchange, outcome.value)
      } else if (!outcome.ok) {
        expect(outcome.error).toBeInstanceOf(PlatformApiError)
      } else {
        // findSiteByName answers null for a recorded 404.
        expect(exchange.response.status).toBe(404)
        expect(outcome.value).toBeNull()
      }
    }
    expect(performed).toBeGreaterThan(0)
    const leftover = replay.unused().filter((e) => !NOT_USED_BY_CLIENT.some((re) => re.test(e.request.pathname)))
    expect(leftover.map((e) => e.request.path)).toEqual([])
  })
})

describe('auth', () => {
  it('logs in with the machine token and reads the user', async () => {
    const { client, replay } = await clientFor('auth-login')
    const session = await client.login()
    expect(session).toEqual({ userId: USER, expiresAt: 1473807086 * 1000 })
    const user = await client.currentUser()
    expect(user).toEqual({ id: USER, email: 'devuser@pantheon.io', fullName: 'Dev User' })
    expect(replay.calls[1]!.headers.authorization).toBe(
      'Bearer 11111111-1111-1111-1111-111111111111:f658daf4-6403-11e6-bc71-bc764e1141f9:IhFR9be2Zk37',
    )
  })

  it('reports a refused machine token without retrying, although Pantheon answers it with 500', async () => {
    const { client, replay } = await clientFor('auth-login-machine-token-invalid', 'invalid')
    const error = await client.login().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlatformApiError)
    const e = error as PlatformApiError
    expect(e.code).toBe('unauthorized')
    expect(e.status).toBe(500)
    expect(e.detail).toBe('Authorization failed. Please check that your machine token is valid.')
    expect(e.message).toMatch(/machine token/)
    expect(e.message).toMatch(/connection settings/)
    expect(replay.calls).toHaveLength(1)
  })
})

describe('sites', () => {
  it('lists memberships as sites, with the label Pantheon keeps under attributes', async () => {
    const { client, replay } = await clientFor('site-list')
    const sites = await client.listSites()
    expect(sites).toEqual([
      {
        id: SITE,
        name: 'behat-tests',
        label: 'behat tests',
        framework: 'wordpress',
        createdAt: 1471385341000,
        owner: USER,
        planName: 'Sandbox',
        frozen: false,
        role: 'team_member',
      },
    ])
    const listCall = replay.calls.find((c) => c.path.includes('/memberships/sites'))!
    expect(listCall.path).toBe(`/api/users/${USER}/memberships/sites?limit=100`)
  })

  it('adds the sites of the user’s organizations, keeping the direct membership’s role', async () => {
    const { client, replay } = await clientFor('backup-schedule-get')
    const sites = await client.listSites()
    // 8 direct memberships, 7 + 43 through two organizations, 1 site in both.
    expect(sites).toHaveLength(57)
    expect(new Set(sites.map((s) => s.id)).size).toBe(57)
    expect(sites.find((s) => s.name === 'ari')).toMatchObject({ role: 'developer', framework: 'drupal' })
    expect(sites.find((s) => s.name === 'canary')).toMatchObject({ label: 'Canary', role: 'developer' })
    expect(sites.find((s) => s.name === 'rubydrupal')).toMatchObject({ label: 'RubyDrupal', role: 'team_member' })
    expect(sites.find((s) => s.name === 'terminus-demo-1')!.label).toBe('Terminus Demo Site #1')
    // Pantheon leaves out the framework of some sites.
    expect(sites.find((s) => s.name === 'bugs-620')!.framework).toBe('unknown')
    for (let i = 1; i < sites.length; i++) expect(sites[i - 1]!.name.localeCompare(sites[i]!.name)).toBeLessThan(0)
    expect(replay.calls.map((c) => c.path).filter((p) => p.includes('/memberships/'))).toEqual([
      `/api/users/${USER}/memberships/sites?limit=100`,
      `/api/users/${USER}/memberships/organizations?limit=100`,
      '/api/organizations/d30aa414-861c-4d8d-b147-9c8ef2ba3365/memberships/sites?limit=100',
      '/api/organizations/240b2573-0f40-49e1-a104-f19b466909cc/memberships/sites?limit=100',
    ])
  })

  it('finds a site by name and reads it', async () => {
    const { client } = await clientFor('site-lookup')
    const site = await client.findSiteByName('behat-tests')
    expect(site).toMatchObject({ id: SITE, name: 'behat-tests', label: 'behat tests', framework: 'wordpress' })
    expect(site!.role).toBeNull()
  })

  it('answers null for an unknown site name, and the raw 404 carries Pantheon’s sentence', async () => {
    const { client } = await clientFor('site-lookup-dne')
    await client.login()
    expect(await client.findSiteByName('invalid')).toBeNull()
    const error = await client.http.request('/site-names/invalid').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlatformApiError)
    expect(error).toMatchObject({ status: 404, code: 'not_found', detail: 'A site named invalid was not found.' })
    expect((error as Error).message).toMatch(/^A site named invalid was not found\./)
  })

  it('reads the drupal8 site of the clone recording', async () => {
    const { client } = await clientFor('env-clone')
    const site = await client.getSite('71fa895c-2394-417d-a80d-8ebc2f3de91f')
    expect(site.framework).toBe('drupal8')
    expect(site.name).toBe('behat-tests')
  })
})

describe('environments and code', () => {
  it('orders dev, test, live and reads branch and deploy tags', async () => {
    const { client } = await clientFor('env-list')
    const envs = await client.listEnvironments(SITE)
    expect(envs.map((e) => e.name)).toEqual(['dev', 'test', 'live'])
    const [dev, test, live] = envs
    expect(dev).toMatchObject({
      kind: 'dev',
      isLive: false,
      branch: 'master',
      deployTag: null,
      targetCommit: 'cb3f7bbe08bbdc0d2f68e3fa66655c860ec6c24b',
      initialized: true,
      locked: false,
      createdAt: 1471385341000,
      dnsZone: 'pantheonsite.io',
    })
    expect(test).toMatchObject({ kind: 'test', deployTag: 'pantheon_test_2', deployNumber: 2, branch: null })
    expect(live).toMatchObject({ kind: 'live', isLive: true, deployTag: 'pantheon_live_1', deployNumber: 1 })
    expect(live!.targetCommit).toBe('1fdf194d3d7a0c930a4f118e1398412765320328')
  })

  it('puts multidevs after live and reads live’s tag number', async () => {
    const { client } = await clientFor('backup-create')
    const envs = await client.listEnvironments(SITE)
    expect(envs.map((e) => e.name)).toEqual(['dev', 'test', 'live', 'multipass', 'multipass2', 'multipass3'])
    expect(envs[3]).toMatchObject({ kind: 'multidev', branch: 'multipass', isLive: false })
    expect(envs[2]).toMatchObject({ deployTag: 'pantheon_live_13', deployNumber: 13 })
  })

  it('marks environments never deployed to as uninitialized', async () => {
    const { client } = await clientFor('env-deploy-init')
    const envs = await client.listEnvironments(SITE)
    const test = envs.find((e) => e.name === 'test')!
    expect(test).toMatchObject({ targetRef: null, targetCommit: null, deployTag: null, initialized: false })
    await expect(client.codeLog(SITE, 'test')).resolves.toEqual([])
  })

  it('reads the code log with UTC times and environment labels', async () => {
    const { client } = await clientFor('env-code-log')
    const log = await client.codeLog(SITE, 'dev')
    expect(log).toHaveLength(3)
    expect(log[0]).toEqual({
      hash: 'a6a94cff8dbc3f15c93b2d3c6777aa334a476927',
      parents: ['41710101cf34dd3980c7534a2a1678208303fe19'],
      author: 'Dev User',
      email: 'devuser@pantheon.io',
      committedAt: Date.UTC(2016, 7, 18, 23, 31, 15),
      message: 'Behat test commit\n',
      labels: ['dev'],
    })
    // Deployable to test = labelled dev but not test.
    expect(log.filter((c) => c.labels.includes('dev') && !c.labels.includes('test'))).toHaveLength(2)
    expect(log[2]!.labels).toEqual(['test', 'live', 'dev'])
  })

  it('reads each environment’s code log in the deploy recordings', async () => {
    const { client } = await clientFor('env-deploy-no-changes')
    const dev = await client.codeLog(SITE, 'dev')
    const test = await client.codeLog(SITE, 'test')
    expect(dev.length).toBeGreaterThan(0)
    // Nothing to deploy: every commit on dev is already on test.
    expect(dev.filter((c) => !c.labels.includes('test'))).toEqual([])
    expect(test[0]!.hash).toBe(dev[0]!.hash)
  })
})

describe('backups', () => {
  it('groups the catalog by folder, newest first, with a code-only backup', async () => {
    const { client } = await clientFor('backup-list')
    const backups = await client.backupCatalog(SITE, 'dev')
    expect(backups.map((b) => b.folder)).toEqual(['1471562180_backup', '1471562156_backup', '1471562114_backup'])
    expect(backups.every((b) => b.kind === 'manual' && b.finished)).toBe(true)
    expect(Object.keys(backups[0]!.parts)).toEqual(['code'])
    const full = backups[1]!
    expect(full.startedAt).toBe(1471562156000)
    expect(full.parts.database).toEqual({
      element: 'database',
      filename: 'behat-tests_dev_2016-08-18T23-15-56_UTC_database.sql.gz',
      size: 833,
      finished: true,
      startedAt: 1471562158975,
      finishedAt: 1471562159641,
      expiresAt: 1471562159641 + 31556736 * 1000,
    })
    expect(full.parts.code!.size).toBe(33358038)
    expect(full.parts.files!.size).toBe(168)
    expect(full.totalSize).toBe(33358038 + 833 + 168)
    expect(full.finishedAt).toBe(1471562166042)
    expect(full.expiresAt).toBe(1471562159641 + 31556736 * 1000)
    expect(full.manifest).toEqual({ totalFiles: 0, totalDirs: 0, totalSize: 0 })
  })

  it('reads an empty body and an empty object as no backups', async () => {
    const empty = await clientFor('backup-list-empty')
    expect(await empty.client.backupCatalog(SITE, 'dev')).toEqual([])
    const none = await clientFor('backup-get-none')
    expect(await none.client.backupCatalog(SITE, 'test')).toEqual([])
  })

  it('drops manifest-only folders (expired archives) in a year-long real catalog', async () => {
    const { client } = await clientFor('backup-restore')
    const backups = await client.backupCatalog(SITE, 'dev')
    expect(backups).toHaveLength(15)
    expect(backups.filter((b) => b.kind === 'scheduled')).toHaveLength(10)
    expect(backups[0]!.folder).toBe('1477422817_backup')
    expect(backups[0]!.manifest).toEqual({ totalFiles: 43, totalDirs: 4, totalSize: 4682105 })
    const dbOnly = backups.find((b) => b.folder === '1477422773_backup')!
    expect(Object.keys(dbOnly.parts)).toEqual(['database'])
    expect(dbOnly.totalSize).toBe(150084)
    const scheduled = backups.find((b) => b.folder === '1477386000_automated')!
    expect(scheduled.kind).toBe('scheduled')
    expect(scheduled.parts.files!.filename).toBe('behat-tests_dev_2016-10-25T09-00-00_UTC_files.tar.gz')
    expect(scheduled.expiresAt).toBe(Math.round(1477387210.528815 * 1000) + 691200 * 1000)
    for (let i = 1; i < backups.length; i++) expect(backups[i - 1]!.startedAt).toBeGreaterThan(backups[i]!.startedAt)
  })

  it('gets a signed download link for a part', async () => {
    const { client, replay } = await clientFor('backup-get-file')
    const url = await client.getBackupDownloadUrl(SITE, 'dev', '1471562180_backup', 'code')
    expect(url).toMatch(
      /^https:\/\/pantheon-backups\.s3\.amazonaws\.com\/.*\/1471562180_backup\/behat-tests_dev_2016-08-18T23-16-20_UTC_code\.tar\.gz\?Signature=/,
    )
    const call = replay.calls.at(-1)!
    expect(call.method).toBe('POST')
    expect(JSON.parse(call.body!)).toEqual({ method: 'get' })
  })

  it('reads the schedule: daily at 16:00, the weekly one on Friday', async () => {
    const { client } = await clientFor('backup-schedule-get')
    const schedule = await client.backupSchedule(SITE, 'dev')
    expect(schedule).toMatchObject({
      enabled: true,
      hour: 16,
      weeklyDay: 5,
      dailyTtlSeconds: 691200,
      weeklyTtlSeconds: 2764800,
    })
    expect(schedule.days).toHaveLength(7)
    expect(schedule.days[0]).toEqual({ day: 0, hour: 16, ttlSeconds: 691200 })
  })
})

describe('workflows', () => {
  it('starts do_export and reads it as queued, then as succeeded', async () => {
    const { client } = await clientFor('backup-create')
    const params = { code: true, database: true, files: true, entry_type: 'backup', ttl: 31536000 } as const
    const started = await client.startWorkflow(SITE, 'dev', 'do_export', params)
    expect(started).toMatchObject({
      id: 'deb97f56-9ae6-11e6-8409-bc764e10d7c2',
      type: 'do_export',
      siteId: SITE,
      environment: 'dev',
      phase: 'created',
      result: null,
      finished: false,
      succeeded: false,
      failureReason: null,
      step: 1,
      numberOfTasks: 3,
      createdAt: Math.round(1477422705.123311 * 1000),
      description: 'Export code, files and database from "dev"',
    })
    expect(started.params).toEqual(params)
    const polled = await client.getWorkflow(SITE, started.id)
    expect(polled).toMatchObject({ result: 'succeeded', finished: true, succeeded: true, failureReason: null })
    expect(polled.activeDescription).toBe('Exporting database/files from "dev"')
  })

  it.each([
    ['backup-restore', 'restore_code', 'b34e7cce-9afd-11e6-8eb4-bc764e10d7c2'],
    ['import-database', 'do_import', '0be8d3ac-6642-11e6-b1a5-bc764e1022a9'],
    ['import-files', 'do_import', 'e9201060-6641-11e6-8502-bc764e11bdd3'],
    ['env-clone', 'clone_files', '05a3b686-24f1-11e9-8102-42010a800058'],
    ['env-deploy', 'deploy', '4cfe4a4a-6640-11e6-abe1-bc764e10b0ce'],
    ['lock-add-remove', 'lock_environment', '702382cc-6642-11e6-9f41-bc764e11bdd3'],
  ] as const)('%s: the %s workflow ends succeeded', async (fixture, type, id) => {
    const { client, exchanges } = await clientFor(fixture)
    const post = exchanges.find((e) => e.request.method === 'POST' && e.request.pathname.endsWith('/workflows'))!
    const { params } = JSON.parse(post.request.body!) as { params: never }
    const siteId = post.request.pathname.split('/')[3]!
    const env = post.request.pathname.split('/')[5]!
    const started = await client.startWorkflow(siteId, env, type, params)
    expect(started.id).toBe(id)
    expect(started.type).toBe(type)
    const polled = await client.getWorkflow(siteId, id)
    expect(polled).toMatchObject({ id, type, environment: env, finished: true, succeeded: true, result: 'succeeded' })
  })

  it('reads a deploy to test that clones from live', async () => {
    const { client } = await clientFor('env-deploy')
    const wf = await client.startWorkflow(SITE, 'test', 'deploy', {
      updatedb: 0,
      clear_cache: 0,
      annotation: 'Deploy test',
      clone_database: { from_environment: 'live' },
      clone_files: { from_environment: 'live' },
    })
    expect(wf).toMatchObject({ environment: 'test', phase: 'started', step: 4, numberOfTasks: 6, finished: false })
  })

  it('lists workflows newest first with their final task messages', async () => {
    const { client } = await clientFor('workflow-list')
    const list = await client.listWorkflows(SITE)
    expect(list.map((w) => w.type)).toEqual([
      'sync_code',
      'commit_and_push_on_server_changes',
      'create_environment',
      'create_environment',
      'sync_code',
      'deploy_product',
    ])
    expect(list.every((w) => w.finished && w.succeeded && w.failureReason === null)).toBe(true)
    expect(list[0]).toMatchObject({
      id: 'fa4e886a-6413-11e6-9e08-bc764e1141f9',
      environment: 'dev',
      finishedAt: Math.round(1471394772.685624 * 1000),
      messages: [
        { at: '2016-08-17T00:48:39.456970', message: 'Published take screenshot message: True', level: 'INFO' },
      ],
    })
    expect(list[5]!.environment).toBeNull()
  })

  it('reads one workflow twice as the recording changes (site-wide, then per environment)', async () => {
    const { client } = await clientFor('workflow-info-status')
    const first = await client.getWorkflow(SITE, '11111111-1111-1111-1111-111111111111')
    expect(first).toMatchObject({ type: 'deploy_product', environment: null, phase: 'finished', succeeded: true })
    expect(first.finishedAt).toBe(Math.round(1471385449.214998 * 1000))
    const list = await client.listWorkflows(SITE)
    expect(list).toHaveLength(6)
    const second = await client.getWorkflow(SITE, '11111111-1111-1111-1111-111111111111')
    expect(second).toMatchObject({ type: 'clear_cache', environment: 'dev', step: 4, numberOfTasks: 4 })
  })
})
