/**
 * A list of commits read page by page through main's cursor, for the code history and for a
 * search over it. Each cursor is asked once; a page is kept only when it starts where the list
 * ends (when pages say where they start). When main says a cursor is stale (`git_stale_cursor`:
 * the history moved under it) or a page does not start where the list ends, the list is read
 * again from the top, once; the same again right after is shown as a failure rather than looped on.
 */
import { markRaw, ref, shallowRef } from 'vue'
import type { HistoryCommit } from '../../../shared/history'
import { toResourceError, type ResourceError } from './resource'

const STALE_CURSOR = 'git_stale_cursor'
const RESTARTED_NOTICE =
  'The history changed while it was loading (a push or a deploy); it was read again from the top.'

/** What either pager reads from a page of commits. */
export interface CommitPage {
  readonly commits: readonly HistoryCommit[]
  readonly cursor: string | null
}

/** Commits loaded page by page through a cursor. */
export interface CommitPager<P extends CommitPage> {
  readonly commits: readonly HistoryCommit[]
  /** The last page that arrived (a search's `scanned` is on it). */
  readonly last: P | null
  readonly loading: boolean
  readonly error: ResourceError | null
  /** Set when the list was read again from the top because the history moved. */
  readonly notice: string | null
  /** The first page has been asked for. */
  readonly started: boolean
  /** The last page ended at the first commit (or the search searched everything). */
  readonly complete: boolean
  /** More can be asked now: not complete, and the last ask did not fail (retry says so). */
  readonly canLoadMore: boolean
  /** Asks for the next page, unless one is on its way, all are in, or the last ask failed. */
  more(): Promise<void>
  /** Asks again after a failure; after a stale cursor, from the top. */
  retry(): Promise<void>
  /** Forgets every page; answers on their way are dropped. */
  restart(): void
}

/** Failures that mean the history moved under the cursor: reading on needs the top again. */
const MOVED_CODES = new Set([STALE_CURSOR, 'out_of_step'])

/**
 * A list of commits from pages: `fetch(cursor)` asks for one, null for the first. `offsetOf`
 * says where a page starts in the whole walk, when the pages say it.
 */
export function createCommitPager<P extends CommitPage>(
  fetch: (cursor: string | null) => Promise<P>,
  offsetOf?: (page: P) => number,
): CommitPager<P> {
  const commits = shallowRef<readonly HistoryCommit[]>([])
  const last = shallowRef<P | null>(null)
  const loading = ref(false)
  const error = shallowRef<ResourceError | null>(null)
  const notice = ref<string | null>(null)
  let next: string | null = null
  const started = ref(false)
  const complete = ref(false)
  // Bumped by every restart; an answer counts only if nothing bumped it since its ask.
  let generation = 0
  let inFlight: Promise<void> | null = null
  const asked = new Set<string>()
  // A second restart in a row for the same reason is a fault to show, not a loop to run.
  let restartedLast = false

  function restart(): void {
    generation += 1
    inFlight = null
    commits.value = []
    last.value = null
    loading.value = false
    error.value = null
    notice.value = null
    next = null
    started.value = false
    complete.value = false
    asked.clear()
  }

  /** The history moved under the cursor: read it again from the newest commit. */
  function startOver(cause: ResourceError): Promise<void> {
    if (restartedLast) {
      restartedLast = false
      error.value = cause
      return Promise.resolve()
    }
    restart()
    restartedLast = true
    notice.value = RESTARTED_NOTICE
    return more()
  }

  function more(): Promise<void> {
    if (inFlight) return inFlight
    if (complete.value || error.value) return Promise.resolve()
    const cursor = started.value ? next : null
    const key = cursor ?? ''
    if (asked.has(key)) return Promise.resolve()
    asked.add(key)
    started.value = true
    const mine = generation
    loading.value = true
    const running = (async () => {
      try {
        const page = await fetch(cursor)
        if (mine !== generation) return
        const offset = offsetOf?.(page) ?? commits.value.length
        if (cursor !== null && offset !== commits.value.length) {
          inFlight = null
          await startOver({
            code: 'out_of_step',
            message: `A page of the history started at commit ${offset + 1}, not after the ${commits.value.length} loaded. Try again to read it from the top.`,
          })
          return
        }
        commits.value = [...commits.value, ...page.commits]
        last.value = page
        next = page.cursor
        complete.value = page.cursor === null
        if (cursor !== null) restartedLast = false
      } catch (cause) {
        if (mine !== generation) return
        const failure = toResourceError(cause)
        if (MOVED_CODES.has(failure.code) && cursor !== null) {
          inFlight = null
          await startOver(failure)
          return
        }
        asked.delete(key)
        error.value = failure
      } finally {
        if (mine === generation) {
          loading.value = false
          inFlight = null
        }
      }
    })()
    inFlight = running
    return running
  }

  function retry(): Promise<void> {
    if (error.value && MOVED_CODES.has(error.value.code)) restart()
    error.value = null
    return more()
  }

  // Raw: the getters read refs, so views still track them, and a store holding this does not
  // wrap it (and every commit in it) in a deep reactive proxy.
  return markRaw({
    get commits() {
      return commits.value
    },
    get last() {
      return last.value
    },
    get loading() {
      return loading.value
    },
    get error() {
      return error.value
    },
    get notice() {
      return notice.value
    },
    get started() {
      return started.value
    },
    get complete() {
      return complete.value
    },
    get canLoadMore() {
      return !complete.value && error.value === null
    },
    more,
    retry,
    restart,
  })
}
