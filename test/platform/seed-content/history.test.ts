import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitLog, initBareRepo } from '../../../src/platform/git/index'
import { generateDemoHistory, type DemoCommit } from '../../../src/platform/seed/content/index'
import { PNG_SIGNATURE } from '../../../src/platform/seed/content/png'

const exec = promisify(execFile)
const NOW = new Date('2026-03-15T16:30:00Z')
const NOW_S = NOW.getTime() / 1000
const DAY = 86_400
let dir: string

async function git(repo: string, args: readonly string[]): Promise<string> {
  const { stdout } = await exec('git', ['--git-dir', repo, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'buffer',
  })
  return stdout.toString('latin1').trim()
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rd-demo-history-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const CONVENTIONAL = /^(feat|fix|chore|docs|style|refactor|test|perf)(\([\w-]+\))?: \S/

for (const framework of ['drupal8', 'wordpress'] as const) {
  describe(`generateDemoHistory (${framework})`, () => {
    let repo: string
    let commits: readonly DemoCommit[]

    beforeAll(async () => {
      repo = path.join(dir, `${framework}.git`)
      await initBareRepo(repo)
      commits = (await generateDemoHistory(repo, { framework, siteName: 'harbour-museum', now: NOW })).commits
    })

    it('writes at least 150 commits over at least 90 days ending near now', async () => {
      expect(Number(await git(repo, ['rev-list', '--count', 'master']))).toBeGreaterThanOrEqual(150)
      const firstParent = (await git(repo, ['rev-list', '--first-parent', '--reverse', 'master'])).split('\n')
      expect(commits.map((c) => c.sha)).toEqual(firstParent)
      const times = commits.map((c) => c.timestamp)
      expect([...times].sort((a, b) => a - b)).toEqual(times)
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(90 * DAY)
      expect(times.at(-1)!).toBeLessThanOrEqual(NOW_S)
      expect(NOW_S - times.at(-1)!).toBeLessThan(DAY)
      const all = (await git(repo, ['log', '--format=%ct', 'master'])).split('\n').map(Number)
      expect(Math.max(...all)).toBeLessThanOrEqual(NOW_S)
      await git(repo, ['fsck', '--strict', '--no-dangling'])
      expect(await git(repo, ['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/master')
      expect(await git(repo, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/master')
    })

    it('has several authors and merge commits of feature branches', async () => {
      const authors = new Set((await git(repo, ['log', '--format=%an <%ae>', 'master'])).split('\n'))
      expect(authors.size).toBeGreaterThanOrEqual(4)
      const merges = (await git(repo, ['rev-list', '--merges', 'master'])).split('\n').filter(Boolean)
      expect(merges.length).toBeGreaterThanOrEqual(3)
      const onFirstParent = new Set(commits.map((c) => c.sha))
      for (const merge of merges) {
        const parents = (await git(repo, ['rev-list', '--parents', '-n', '1', merge])).split(' ').slice(1)
        expect(parents).toHaveLength(2)
        expect(onFirstParent.has(parents[1]!)).toBe(false) // the feature tip is a real side branch
        expect(await git(repo, ['log', '-1', '--format=%s', merge])).toMatch(
          /^Merge (branch 'feature\/|pull request #\d+ from )/,
        )
      }
    })

    it('includes a rename, binary images and a commit touching 50+ files', async () => {
      const renames = await git(repo, ['log', '-M', '--diff-filter=R', '--name-status', '--format=', 'master'])
      expect(renames).toMatch(/^R\d+\t/m)
      const numstat = await git(repo, ['log', '--numstat', '--format=', 'master'])
      const binaries = numstat.split('\n').filter((line) => line.startsWith('-\t-\t'))
      expect(binaries.some((line) => line.endsWith('.png'))).toBe(true)
      const logo = binaries.find((line) => line.endsWith('.png'))!.split('\t')[2]!
      const { stdout } = await exec('git', ['--git-dir', repo, 'show', `master:${logo}`], { encoding: 'buffer' })
      expect(stdout.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)

      const changed = await git(repo, [
        'log',
        '--no-merges',
        '--min-parents=1',
        '--format=@%H',
        '--name-only',
        'master',
      ])
      const widest = Math.max(
        ...changed.split(/^@[0-9a-f]{40}$/m).map((block) => block.split('\n').filter(Boolean).length),
      )
      expect(widest).toBeGreaterThanOrEqual(50)
    })

    it('has realistic framework files and conventional messages', async () => {
      const files = (await git(repo, ['ls-tree', '-r', '--name-only', 'master'])).split('\n')
      const expected =
        framework === 'drupal8'
          ? [
              'composer.json',
              'pantheon.yml',
              'web/index.php',
              'web/core/lib/Drupal.php',
              'web/sites/default/settings.php',
            ]
          : ['pantheon.yml', 'wp-config.php', 'wp-includes/version.php', 'wp-settings.php']
      for (const file of expected) expect(files).toContain(file)
      expect(
        files.some((f) =>
          (framework === 'drupal8'
            ? /^web\/themes\/custom\/[^/]+\/[^/]+\.info\.yml$/
            : /^wp-content\/themes\/[^/]+\/style\.css$/
          ).test(f),
        ),
      ).toBe(true)
      if (framework === 'drupal8')
        expect(
          JSON.parse(await git(repo, ['show', 'master:composer.json'])).require['drupal/core-recommended'],
        ).toMatch(/^~8\.9\./)

      const subjects = (await git(repo, ['log', '--no-merges', '--format=%s', 'master'])).split('\n')
      const rootSubject = subjects.pop()!
      expect(rootSubject).toMatch(/^Initial commit/)
      expect(subjects.every((s) => CONVENTIONAL.test(s))).toBe(true)
    })

    it('is readable through the platform code log', async () => {
      const log = await commitLog(repo, ['refs/heads/master'], { limit: 100 })
      expect(log).toHaveLength(100)
      expect(log[0]!.hash).toBe(commits.at(-1)!.sha)
      expect(log.every((c) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(c.datetime))).toBe(true)
    })
  })
}

describe('generateDemoHistory options', () => {
  it('is deterministic for the same site and now, and honours days/commits', async () => {
    const a = await generateDemoHistory(path.join(dir, 'a.git'), {
      framework: 'wordpress',
      siteName: 'same-site',
      now: NOW,
      days: 30,
      commits: 40,
    })
    const b = await generateDemoHistory(path.join(dir, 'b.git'), {
      framework: 'wordpress',
      siteName: 'same-site',
      now: NOW,
      days: 30,
      commits: 40,
    })
    expect(a.commits).toEqual(b.commits)
    expect(Number(await git(path.join(dir, 'a.git'), ['rev-list', '--count', 'master']))).toBe(40)
    expect(a.commits.at(-1)!.timestamp - a.commits[0]!.timestamp).toBeGreaterThan(25 * DAY)
    const other = await generateDemoHistory(path.join(dir, 'c.git'), {
      framework: 'wordpress',
      siteName: 'other-site',
      now: NOW,
      days: 30,
      commits: 40,
    })
    expect(other.commits[0]!.sha).not.toBe(a.commits[0]!.sha)
  })

  it('refuses a repository that already has history', async () => {
    await expect(
      generateDemoHistory(path.join(dir, 'a.git'), { framework: 'drupal8', siteName: 'x', now: NOW }),
    ).rejects.toThrow(/already has a master branch/)
  })
})
