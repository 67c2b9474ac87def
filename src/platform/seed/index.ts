/**
 * The demo seed: two sites (demo-drupal, demo-wordpress) that look like real ones, made
 * locally in seconds. Each gets a generated git history, test and live deployed several
 * times in the past (dev ahead of test ahead of live), current content, and per environment
 * daily and weekly automated backups plus manual ones, each made from the code, database
 * and files that environment had at that time. All dates are relative to now.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { writeFileAtomic } from '../../lib/atomic'
import { backupFolderName, buildBackup } from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { commitAtOrBefore, createAnnotatedTag, initBareRepo } from '../git/repo'
import { runGit } from '../git/run'
import { demoDatabaseSql, generateDemoHistory, writeDemoFiles } from './content'
import { removeQuietly } from '../../lib/atomic'
import type { EnvironmentRecord, MembershipRecord, SiteRecord } from '../storage/state'
import { DAILY_BACKUP_TTL, WEEKLY_BACKUP_TTL } from '../workflows/types'

const gzipAsync = promisify(gzip)

/** How much demo data to make: 'full' (the demo) or 'small' (tests). */
export type SeedScale = 'full' | 'small'

interface ScaleSpec {
  readonly commits: number
  readonly days: number
  readonly dailyBackups: number
  readonly weeklyBackups: number
  readonly manualBackups: number
}

const SCALES: Record<SeedScale, ScaleSpec> = {
  full: { commits: 160, days: 100, dailyBackups: 7, weeklyBackups: 3, manualBackups: 2 },
  small: { commits: 24, days: 30, dailyBackups: 2, weeklyBackups: 1, manualBackups: 1 },
}

const DEMO_SITES = [
  { name: 'demo-drupal', label: 'Demo Drupal', framework: 'drupal8' },
  { name: 'demo-wordpress', label: 'Demo WordPress', framework: 'wordpress' },
] as const

/** Where an environment's code was from a time on. */
interface CodeEvent {
  readonly at: number
  readonly ref: string
  readonly sha: string
}

const DAY = 86400
const TAGGER = { name: 'Pantheon Deploys', email: 'deploys@restore-desk.localhost' }

function codeAt(events: readonly CodeEvent[], at: number): CodeEvent | undefined {
  let found: CodeEvent | undefined
  for (const event of events) if (event.at <= at) found = event
  return found
}

/** Seeds the demo sites into an empty platform. */
export async function seedDemo(platform: PlatformContext, opts: { scale: SeedScale; now?: Date }): Promise<void> {
  const spec = SCALES[opts.scale]
  const now = opts.now ?? new Date()
  const nowSec = Math.floor(now.getTime() / 1000)
  const owner = platform.tokenUser()
  if (!owner) throw new Error('The platform has no user to own the demo sites.')
  // Everything is built under sites/<new id>/ first and enters the state in one atomic
  // write at the end: a seed cut short leaves no half-seeded site (the orphan folders are
  // removed on the next start, which seeds again).
  const seeded = await Promise.all(DEMO_SITES.map((demo) => seedSite(platform, demo, spec, now, nowSec, owner.id)))
  await platform.store.update((state) => ({
    ...state,
    users: state.users.map((user) =>
      user.id === owner.id ? { ...user, email: 'demo@restore-desk.localhost', fullName: 'Demo Owner' } : user,
    ),
    sites: [...state.sites, ...seeded.map((entry) => entry.site)],
    memberships: [...state.memberships, ...seeded.map((entry) => entry.membership)],
    environments: {
      ...state.environments,
      ...Object.fromEntries(seeded.map((entry) => [entry.site.id, entry.environments])),
    },
  }))
}

async function seedSite(
  platform: PlatformContext,
  demo: (typeof DEMO_SITES)[number],
  spec: ScaleSpec,
  now: Date,
  nowSec: number,
  ownerId: string,
): Promise<{ site: SiteRecord; membership: MembershipRecord; environments: Record<string, EnvironmentRecord> }> {
  const siteId = randomUUID()
  const repo = platform.layout.repoDir(siteId)
  await initBareRepo(repo)
  const history = await generateDemoHistory(repo, {
    framework: demo.framework,
    siteName: demo.name,
    now,
    days: spec.days,
    commits: spec.commits,
  })
  const commits = history.commits
  const first = commits[0]
  const head = commits.at(-1)
  if (!first || !head) throw new Error('The demo history is empty.')
  const created = first.timestamp - DAY

  // Deploys at points through the history: test takes master, live takes test. The last
  // test deploy stops a few commits short of master so dev stays ahead of test.
  const events: Record<'dev' | 'test' | 'live', CodeEvent[]> = { dev: [], test: [], live: [] }
  const fractions = [0.2, 0.35, 0.5, 0.62, 0.74, 0.86]
  const lastTestIndex = Math.max(1, commits.length - 4)
  const testTimes = fractions
    .map((f) => commits[Math.floor(f * lastTestIndex)]?.timestamp ?? first.timestamp)
    .concat((commits[lastTestIndex]?.timestamp ?? head.timestamp) + 60)
  const deploys: Array<{ env: 'test' | 'live'; at: number }> = []
  testTimes.forEach((at, index) => {
    deploys.push({ env: 'test', at: at + 120 })
    if (index < testTimes.length - 1) deploys.push({ env: 'live', at: at + 3 * 3600 })
  })
  deploys.sort((a, b) => a.at - b.at)
  let testN = 0
  let liveN = 0
  for (const deploy of deploys) {
    const when = new Date(deploy.at * 1000)
    const sha =
      deploy.env === 'test'
        ? await commitAtOrBefore(repo, 'refs/heads/master', when)
        : codeAt(events.test, deploy.at)?.sha
    const current = codeAt(events[deploy.env], deploy.at)
    if (!sha || current?.sha === sha) continue
    const n = deploy.env === 'test' ? ++testN : ++liveN
    const tag = `pantheon_${deploy.env}_${n}`
    await createAnnotatedTag(
      repo,
      tag,
      sha,
      `Deploy to ${deploy.env} (${when.toISOString().slice(0, 10)})`,
      TAGGER,
      when,
    )
    events[deploy.env].push({ at: deploy.at, ref: `refs/tags/${tag}`, sha })
  }
  // dev followed master's first-parent line, one commit at a time.
  const firstParent = await runGit(repo, [
    'log',
    '--first-parent',
    '--reverse',
    '--format=%H %ct',
    'refs/heads/master',
    '--',
  ])
  for (const line of firstParent.split('\n')) {
    const [sha, time] = line.split(' ')
    if (sha && time) events.dev.push({ at: Number(time), ref: 'refs/heads/master', sha })
  }

  const envRecord = (env: 'dev' | 'test' | 'live'): EnvironmentRecord => {
    const last = events[env].at(-1)
    return {
      created,
      ...(last ? { targetRef: last.ref, targetCommit: last.sha } : {}),
      lock: { locked: false, username: null, password: null },
      randseed: randomBytes(16).toString('hex').toUpperCase(),
    }
  }
  const codeArchiveCache = new Map<string, string>()
  await Promise.all(
    (['dev', 'test', 'live'] as const).map(async (env) => {
      await platform.content.ensure(siteId, env)
      // Current content.
      await writeFileAtomic(
        platform.layout.databaseFile(siteId, env),
        await gzipAsync(demoDatabaseSql({ framework: demo.framework, siteName: demo.name, env, at: now })),
      )
      const filesDir = await platform.content.newFilesDir(siteId, env)
      await writeDemoFiles(filesDir, { framework: demo.framework, env, at: now })
      await platform.content.swapFiles(siteId, env, filesDir)

      // Backups, each made from the content of its time.
      const today = Math.floor(nowSec / DAY) * DAY
      const plan: Array<{ at: number; kind: 'automated' | 'backup'; ttl: number }> = []
      for (let d = 1; d <= spec.dailyBackups; d += 1)
        plan.push({ at: today - d * DAY + 16 * 3600, kind: 'automated', ttl: DAILY_BACKUP_TTL })
      for (let w = 1; w <= spec.weeklyBackups; w += 1)
        plan.push({
          at: today - (spec.dailyBackups + 2 + (w - 1) * 7) * DAY + 16 * 3600,
          kind: 'automated',
          ttl: WEEKLY_BACKUP_TTL,
        })
      const manualAges = [0.3, 3.4, 5.6]
      for (let m = 0; m < spec.manualBackups; m += 1)
        plan.push({ at: nowSec - Math.round((manualAges[m] ?? m + 1) * DAY), kind: 'backup', ttl: 365 * DAY })
      const scratchRoot = await mkdtemp(join(tmpdir(), 'rd-seed-'))
      try {
        for (const item of plan) {
          const at = new Date(item.at * 1000)
          const code = codeAt(events[env], item.at)
          const work = join(scratchRoot, String(item.at))
          const databaseFile = join(work, 'database.sql.gz')
          const files = join(work, 'files')
          await mkdir(work, { recursive: true })
          await writeFileAtomic(
            databaseFile,
            await gzipAsync(demoDatabaseSql({ framework: demo.framework, siteName: demo.name, env, at })),
          )
          await writeDemoFiles(files, { framework: demo.framework, env, at })
          await buildBackup({
            layout: platform.layout,
            siteId,
            siteName: demo.name,
            env,
            folder: backupFolderName(item.at, item.kind),
            ttl: item.ttl,
            sources: { ...(code ? { code: { sha: code.sha, headRef: code.ref } } : {}), databaseFile, filesDir: files },
            finishTime: item.at + 45,
            codeArchiveCache,
          })
          await removeQuietly(work)
        }
      } finally {
        await removeQuietly(scratchRoot)
      }
    }),
  )
  return {
    site: {
      id: siteId,
      name: demo.name,
      label: demo.label,
      framework: demo.framework,
      created,
      ownerId,
      planName: 'Basic',
      frozen: false,
      lastCodePush: { timestamp: head.timestamp, userId: ownerId },
    },
    membership: { id: randomUUID(), siteId, userId: ownerId, role: 'owner' },
    environments: { dev: envRecord('dev'), test: envRecord('test'), live: envRecord('live') },
  }
}
