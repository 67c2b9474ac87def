/**
 * clone_database's options against a real platform, on the demo sites' own dumps:
 * wp_replace_siteurl rewrites the WordPress site's URL everywhere (serialized data stays valid,
 * checked by the test's own unserializer), clear_cache empties Drupal's cache tables and removes
 * WordPress's transients, updatedb says honestly that nothing ran, deploy takes the same options,
 * and a bad option or a damaged source leaves the target byte for byte as it was.
 */
import { readFile, readdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envFingerprint, pushCommit, startTestPlatform, type Json, type TestPlatform } from './helpers'
import { insertStrings, looksSerialized, unserialize } from './serialized-check'

let t: TestPlatform
let wordpress: string
let drupal: string

beforeAll(async () => {
  t = await startTestPlatform()
  wordpress = await t.siteId('demo-wordpress')
  drupal = await t.siteId('demo-drupal')
})

afterAll(async () => {
  await t?.close()
})

const url = (env: string): string => `://${env}-demo-wordpress.pantheonsite.io`

function databaseFile(siteId: string, env: string): string {
  return join(t.dataDir, 'sites', siteId, 'envs', env, 'database.sql.gz')
}

async function dump(siteId: string, env: string): Promise<string> {
  return gunzipSync(await readFile(databaseFile(siteId, env))).toString('utf8')
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1
}

/** The messages of a finished workflow, oldest first. */
function messages(wf: Json): string[] {
  return Object.values(wf.final_task.messages as Record<string, { message: string }>).map((m) => m.message)
}

/** Every value of the dump that reads as serialized data unserializes (lengths right). */
function expectSerializedValid(text: string): number {
  const serialized = insertStrings(Buffer.from(text)).filter(looksSerialized)
  for (const value of serialized) expect(() => unserialize(value), value.toString('utf8')).not.toThrow()
  return serialized.length
}

describe('clone_database with wp_replace_siteurl', () => {
  it("copies dev's WordPress database to test with test's URL everywhere, serialized data intact", async () => {
    const source = await dump(wordpress, 'dev')
    const found = occurrences(source, url('dev'))
    expect(found).toBeGreaterThan(20)
    expect(expectSerializedValid(source)).toBeGreaterThan(0)

    const wf = await t.runWorkflow(wordpress, 'test', 'clone_database', {
      from_environment: 'dev',
      updatedb: 0,
      clear_cache: false,
      wp_replace_siteurl: { from_url: url('dev'), to_url: url('test') },
    })
    expect(wf.result).toBe('succeeded')
    const result = await dump(wordpress, 'test')
    expect(occurrences(result, url('dev'))).toBe(0)
    expect(occurrences(result, url('test'))).toBe(found)
    expect(result).toContain(`(1,'siteurl','https${url('test')}','yes')`)
    expect(result).toContain(`(2,'home','https${url('test')}','yes')`)
    // The widget's nested strings have their new lengths.
    const widget = insertStrings(Buffer.from(result)).find((v) => v.toString().includes('Find us'))
    expect(unserialize(widget!)).toMatchObject({
      '2': { text: expect.stringContaining(`href="https${url('test')}/contact/"`) },
    })
    expect(expectSerializedValid(result)).toBeGreaterThan(0)
    // Lines without the URL are copied byte for byte.
    const before = source.split('\n')
    const after = result.split('\n')
    expect(after).toHaveLength(before.length)
    for (const [i, line] of before.entries()) if (!line.includes(url('dev'))) expect(after[i]).toBe(line)

    const rows = Number(/in (\d+) rows?/.exec(wf.active_description)?.[1])
    expect(wf.active_description).toContain(
      `Replaced ${found} occurrences of "${url('dev')}" with "${url('test')}" in ${rows} rows`,
    )
    expect(rows).toBeGreaterThan(0)
    expect(rows).toBeLessThanOrEqual(found)
    expect(messages(wf).some((m) => m.startsWith(`Replaced ${found} occurrences`))).toBe(true)
  })

  it('warns when the URL to replace is not in the database, and still copies it', async () => {
    const wf = await t.runWorkflow(wordpress, 'dev', 'clone_database', {
      from_environment: 'live',
      wp_replace_siteurl: { from_url: '://nowhere.example', to_url: url('dev') },
    })
    expect(wf.result).toBe('succeeded')
    const warning = Object.values(wf.final_task.messages as Record<string, Json>).find((m) => m.level === 'warning')
    expect(warning?.message).toMatch(
      /Found no ":\/\/nowhere\.example" in the database of "live", .*here ":\/\/live-demo-wordpress\.pantheonsite\.io"/,
    )
    expect(await dump(wordpress, 'dev')).toBe(await dump(wordpress, 'live'))
  })

  it('refuses a bad wp_replace_siteurl with 400 and no workflow, leaving the target as it was', async () => {
    const before = await envFingerprint(t, wordpress, 'test')
    const newest = async (): Promise<string> => (await t.call('GET', `/api/sites/${wordpress}/workflows`)).body[0]?.id
    const last = await newest()
    for (const [bad, reason] of [
      [{ from_url: '://dev site.example', to_url: url('test') }, /from_url .* whitespace/],
      [{ from_url: url('dev'), to_url: "://test'.example" }, /to_url .* the character '/],
      [{ from_url: url('dev'), to_url: '://test".example' }, /to_url .* the character "/],
      [{ from_url: url('dev') }, /to_url is missing/],
      [{ from_url: '', to_url: url('test') }, /from_url is missing or empty/],
      [{ from_url: url('dev'), to_url: url('dev') }, /nothing would change/],
      ['://dev-demo-wordpress.pantheonsite.io', /must be an object/],
      [[url('dev'), url('test')], /must be an object/],
    ] as const) {
      const reply = await t.startWorkflow(wordpress, 'test', 'clone_database', {
        from_environment: 'dev',
        wp_replace_siteurl: bad,
      })
      expect(reply.status, JSON.stringify(bad)).toBe(400)
      expect(String(reply.body)).toMatch(reason)
    }
    expect(await newest()).toBe(last)
    expect(await envFingerprint(t, wordpress, 'test')).toEqual(before)
  })

  it("fails with a reason when the source's dump is damaged, leaving the target byte for byte as it was", async () => {
    const file = databaseFile(wordpress, 'live')
    const whole = await readFile(file)
    await rename(file, `${file}.saved`)
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)))
    try {
      const before = await envFingerprint(t, wordpress, 'test')
      const wf = await t.runWorkflow(wordpress, 'test', 'clone_database', {
        from_environment: 'live',
        wp_replace_siteurl: { from_url: url('live'), to_url: url('test') },
      })
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(
        /database of "live" could not be read .*damaged.*Restore "live" from a backup/,
      )
      expect(await envFingerprint(t, wordpress, 'test')).toEqual(before)
      expect(await readdir(join(t.dataDir, 'sites', wordpress, 'envs', 'test', 'tmp'))).toEqual([])
    } finally {
      await rename(`${file}.saved`, file)
    }
  })
})

describe('clone_database with clear_cache and updatedb', () => {
  it("empties Drupal's cache tables and keeps everything else; updatedb says no PHP ran", async () => {
    const source = await dump(drupal, 'live')
    expect(source).toMatch(/^INSERT INTO `cache_render` VALUES/m)
    const wf = await t.runWorkflow(drupal, 'dev', 'clone_database', {
      from_environment: 'live',
      updatedb: 1,
      clear_cache: true,
    })
    expect(wf.result).toBe('succeeded')
    const result = await dump(drupal, 'dev')
    expect(result).toMatch(/^CREATE TABLE `cache_render` \(/m)
    expect(result).not.toMatch(/^INSERT INTO `cache/m)
    expect(result).toBe(
      source
        .split('\n')
        .filter((line) => !line.startsWith('INSERT INTO `cache_'))
        .join('\n'),
    )
    expect(wf.active_description).toMatch(
      /Cleared the cache: emptied 6 cache tables \(cache_bootstrap, .*cache_render; \d+ rows removed/,
    )
    expect(messages(wf)).toContain(
      "No database updates ran: the embedded platform runs no PHP, so a site's update hooks cannot run here.",
    )
  })

  it("removes WordPress's transients and nothing else", async () => {
    const source = await dump(wordpress, 'live')
    expect(source).toContain("'_transient_doing_cron'")
    const wf = await t.runWorkflow(wordpress, 'dev', 'clone_database', { from_environment: 'live', clear_cache: 1 })
    expect(wf.result).toBe('succeeded')
    const result = await dump(wordpress, 'dev')
    expect(result).not.toContain('_transient_')
    expect(result).toBe(source.replace(/,\(13,'_transient_doing_cron','[^']*','yes'\)/, ''))
    expect(wf.active_description).toMatch(/removed 1 transient \(.*wp_options\)/)
  })
})

describe('deploy with the clone options', () => {
  it('a deploy to test clones the database from live with its URL replaced and the cache cleared', async () => {
    const bad = await t.startWorkflow(wordpress, 'test', 'deploy', {
      annotation: 'Bad clone options',
      clone_database: { from_environment: 'live', wp_replace_siteurl: { from_url: url('live'), to_url: 'a b' } },
    })
    expect(bad.status).toBe(400)
    expect(String(bad.body)).toMatch(/params\.clone_database\.wp_replace_siteurl\.to_url/)

    const { sha } = await pushCommit(t, wordpress, 'Change deployed with a cloned database')
    const live = await dump(wordpress, 'live')
    const wf = await t.runWorkflow(wordpress, 'test', 'deploy', {
      annotation: 'Deploy with content from live',
      updatedb: true,
      clear_cache: true,
      clone_database: { from_environment: 'live', wp_replace_siteurl: { from_url: url('live'), to_url: url('test') } },
    })
    expect(wf.result).toBe('succeeded')
    expect(wf.number_of_tasks).toBe(3)
    expect((await t.call('GET', `/api/sites/${wordpress}/environments`)).body.test.target_commit).toBe(sha)
    const result = await dump(wordpress, 'test')
    expect(occurrences(result, url('live'))).toBe(0)
    expect(occurrences(result, url('test'))).toBe(occurrences(live, url('live')))
    expect(result).not.toContain('_transient_')
    expectSerializedValid(result)
    expect(wf.active_description).toMatch(/^Deployed code to "test" \(pantheon_test_\d+\)\. Replaced \d+ occurrences/)
    expect(messages(wf)).toContain(
      "No database updates ran: the embedded platform runs no PHP, so a site's update hooks cannot run here.",
    )
  })

  it("a deploy to live with clear_cache empties live's own cache tables before the code moves", async () => {
    const before = await dump(drupal, 'live')
    const { sha } = await pushCommit(t, drupal, 'Change for live')
    expect((await t.runWorkflow(drupal, 'test', 'deploy', { annotation: 'To test' })).result).toBe('succeeded')
    const wf = await t.runWorkflow(drupal, 'live', 'deploy', { annotation: 'To live', clear_cache: 1 })
    expect(wf.result).toBe('succeeded')
    expect(wf.number_of_tasks).toBe(3)
    const envs = (await t.call('GET', `/api/sites/${drupal}/environments`)).body
    expect(envs.live.target_commit).toBe(sha)
    expect(await dump(drupal, 'live')).toBe(
      before
        .split('\n')
        .filter((line) => !line.startsWith('INSERT INTO `cache_'))
        .join('\n'),
    )
  })
})
