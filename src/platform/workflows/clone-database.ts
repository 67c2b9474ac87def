/**
 * The database step of clone_database and deploy, with Pantheon's options: `wp_replace_siteurl`
 * (replace the source's URL with the target's in the copied dump), `clear_cache` (Drupal's
 * cache tables emptied, WordPress's transients removed) and `updatedb` (nothing can run: the
 * embedded platform runs no PHP, and the workflow says so). Without URL replacement or cache
 * clearing the dump is copied byte for byte; with them it is rewritten in one streaming pass
 * (dump-rewrite.ts) into scratch space, checked, and only then swapped in.
 */
import { checkSqlGz } from '../../lib/archives'
import { removeQuietly } from '../../lib/atomic'
import type { PlatformContext } from '../core'
import { platformDomain } from '../domains'
import { rewriteDump, StatementTooLong, type CacheRules, type DumpRewriteReport } from './dump-rewrite'
import { WorkflowFailure, type WorkflowRun } from './queue'
import { archiveReason } from './steps'

/** Pantheon's `wp_replace_siteurl`: the URLs as given (the dashboard sends them scheme-less). */
export interface ReplaceUrl {
  readonly from: string
  readonly to: string
}

/** What the database step does. */
export interface DatabaseCopy {
  /** The environment whose database is copied; the target itself clears its cache in place. */
  readonly from: string
  readonly replaceUrl: ReplaceUrl | null
  readonly clearCache: boolean
}

export const NO_UPDATEDB =
  "No database updates ran: the embedded platform runs no PHP, so a site's update hooks cannot run here."

const URL_EXAMPLE = '{"from_url": "://dev-mysite.pantheonsite.io", "to_url": "://test-mysite.pantheonsite.io"}'
// Whitespace, quotes, backslashes and control characters: never part of a URL, and they would
// make the replacement depend on how the dump escapes them.
// eslint-disable-next-line no-control-regex
const BAD_URL_CHARS = /[\s'"`\\\x00-\x1f\x7f]/

function urlText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new WorkflowFailure(`${name} is missing or empty; give the URL as text, e.g. ${URL_EXAMPLE}.`)
  if (value.length > 2048) throw new WorkflowFailure(`${name} is longer than 2048 characters; give just the URL.`)
  const bad = BAD_URL_CHARS.exec(value)
  if (bad)
    throw new WorkflowFailure(
      `${name} ${JSON.stringify(value)} holds ${bad[0].trim() === '' ? 'whitespace or a control character' : `the character ${bad[0]}`}, which no URL has; give the URL alone, e.g. ${URL_EXAMPLE}.`,
    )
  return value
}

/**
 * A `wp_replace_siteurl` parameter (named `name` in messages), checked: null when left out,
 * else both URLs. Throws a WorkflowFailure that says what is wrong.
 */
export function replaceUrlParam(value: unknown, name: string): ReplaceUrl | null {
  if (value === undefined || value === null || value === false) return null
  if (typeof value !== 'object' || Array.isArray(value))
    throw new WorkflowFailure(`${name} must be an object like ${URL_EXAMPLE} (or left out to keep the URLs).`)
  const own = (key: string): unknown =>
    Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined
  const from = urlText(own('from_url'), `${name}.from_url`)
  const to = urlText(own('to_url'), `${name}.to_url`)
  if (from === to)
    throw new WorkflowFailure(
      `${name}.from_url and .to_url are both "${from}", so nothing would change; name the target environment's URL as to_url.`,
    )
  return { from, to }
}

function cacheRules(platform: PlatformContext, siteId: string): CacheRules {
  return platform.site(siteId).framework.startsWith('wordpress') ? 'wordpress' : 'drupal'
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** The sentences that say what a rewrite did (also the workflow's messages). */
function describeRewrite(
  copy: DatabaseCopy,
  rules: CacheRules,
  report: DumpRewriteReport,
  sourceDomain: string,
): string[] {
  const sentences: string[] = []
  if (copy.replaceUrl) {
    sentences.push(
      report.replacements === 0
        ? `Found no "${copy.replaceUrl.from}" in the database of "${copy.from}", so no URL was replaced; check wp_replace_siteurl.from_url (the source's URL, here "://${sourceDomain}").`
        : `Replaced ${plural(report.replacements, 'occurrence')} of "${copy.replaceUrl.from}" with "${copy.replaceUrl.to}" in ${plural(report.rowsChanged, 'row')}.`,
    )
  }
  if (copy.clearCache) {
    if (rules === 'drupal') {
      sentences.push(
        report.clearedTables.length === 0
          ? 'Cleared the cache: the database has no rows in cache tables (cache_*, cachetags) to remove.'
          : `Cleared the cache: emptied ${plural(report.clearedTables.length, 'cache table')} (${report.clearedTables.join(', ')}; ${plural(report.rowsDropped, 'row')} removed, the tables kept).`,
      )
    } else {
      const tables = [...report.droppedFrom.keys()]
      sentences.push(
        report.rowsDropped === 0
          ? 'Cleared the cache: the database has no transients to remove; the embedded platform keeps no page or object cache.'
          : `Cleared the cache: removed ${plural(report.rowsDropped, 'transient')} (_transient_* and _site_transient_* rows of ${tables.join(', ')}); the embedded platform keeps no page or object cache.`,
      )
    }
  }
  return sentences
}

/** Words a failed rewrite of `from`'s dump. */
function rewriteFailure(error: unknown, from: string): never {
  if (error instanceof StatementTooLong) throw new WorkflowFailure(error.message)
  const { code, message } = error as { code?: string; message?: string }
  if (code === 'ENOENT')
    throw new WorkflowFailure(
      `"${from}" has no database to copy (its dump is missing). Import or restore a database into "${from}" first.`,
    )
  if ((typeof code === 'string' && code.startsWith('Z_')) || /unexpected end of file/i.test(message ?? ''))
    throw new WorkflowFailure(
      `The database of "${from}" could not be read (${message ?? code}); it is damaged. Restore "${from}" from a backup, then clone again.`,
    )
  throw error
}

/**
 * Copies (or, from the target itself, clears in place) the database per `copy`, as step
 * `step`; logs what it did and returns those sentences for the workflow's result.
 */
export async function copyDatabase(run: WorkflowRun, copy: DatabaseCopy, step: number): Promise<string[]> {
  const { workflow, platform } = run
  const env = workflow.environment
  const source = platform.layout.databaseFile(workflow.site_id, copy.from)
  const inPlace = copy.from === env
  const extras = [copy.replaceUrl ? 'replacing its URL' : '', copy.clearCache ? 'clearing the cache' : '']
    .filter(Boolean)
    .join(' and ')
  await run.progress(
    step,
    inPlace
      ? `Clearing the cache in the database of "${env}"`
      : `Copying the database from "${copy.from}" to "${env}"${extras ? `, ${extras}` : ''}`,
  )
  if (!copy.replaceUrl && !copy.clearCache) {
    if (inPlace) return []
    await platform.content
      .replaceDatabaseWithCopy(workflow.site_id, env, source)
      .catch((error: unknown) => rewriteFailure(error, copy.from))
    return []
  }
  const rules = cacheRules(platform, workflow.site_id)
  const scratch = platform.content.scratchPath(workflow.site_id, env, 'db-clone')
  try {
    const report = await rewriteDump(
      source,
      scratch,
      {
        replace: copy.replaceUrl ? { from: copy.replaceUrl.from, to: copy.replaceUrl.to } : null,
        clearCache: copy.clearCache ? rules : null,
      },
      run.signal,
    ).catch((error: unknown) => rewriteFailure(error, copy.from))
    await checkSqlGz(scratch, { maxUncompressedBytes: platform.options.uploadLimitBytes * 16 }).catch(
      (error: unknown) => archiveReason(`database copied from "${copy.from}"`, error),
    )
    await platform.content.swapDatabase(workflow.site_id, env, scratch)
    const sentences = describeRewrite(
      copy,
      rules,
      report,
      platformDomain(platform.site(workflow.site_id).name, copy.from),
    )
    for (const sentence of sentences) await run.message(sentence, sentence.startsWith('Found no') ? 'warning' : 'info')
    return sentences
  } finally {
    await removeQuietly(scratch)
  }
}

/** Logs the honest answer to `updatedb` when it was asked for. */
export async function noteUpdatedb(run: WorkflowRun, asked: boolean): Promise<void> {
  if (asked) await run.message(NO_UPDATEDB)
}
