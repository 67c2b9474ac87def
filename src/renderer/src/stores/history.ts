/**
 * The open site's code history: the repository's state (`history:open`, kept current by
 * `history:progress` events), its commits in pages of 100 through main's cursor, a search over
 * the whole history through its own cursor, the chosen commit's detail and whole file diffs.
 *
 * The pages are read by history-pager.ts (each cursor asked once, a moved history read again
 * from the top). A refresh keeps the list when dev, test and live stand where they stood, since
 * then the history is the same.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { z } from 'zod'
import type { CommitDetail, FileChange, FileDiff, HistoryOverview, RepoStatus } from '../../../shared/history'
import { useApi } from '../api/client'
import { createCommitPager, type CommitPage, type CommitPager } from './history-pager'
import { createResource, createResourceMap, toResourceError, type Resource } from './resource'

export const DIFF_MODES = ['unified', 'split'] as const
export type DiffMode = (typeof DIFF_MODES)[number]

/** How long typing rests before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 250

const DIFF_MODE_KEY = 'restore-desk:diff-mode'
const diffModeSchema = z.enum(DIFF_MODES)

function readDiffMode(): DiffMode {
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(DIFF_MODE_KEY)
    const parsed = diffModeSchema.safeParse(raw)
    return parsed.success ? parsed.data : 'unified'
  } catch {
    return 'unified'
  }
}

/** Whether the history an answer describes differs from the one before (so the list must be read again). */
function historyMoved(before: HistoryOverview | null, after: HistoryOverview): boolean {
  if (!before) return true
  if (before.totalCommits !== after.totalCommits) return true
  if (before.repo.source !== after.repo.source || before.repo.localPath !== after.repo.localPath) return true
  const where = (overview: HistoryOverview) => overview.positions.map((position) => `${position.env}=${position.oid}`)
  return where(before).join(' ') !== where(after).join(' ')
}

export const useHistoryStore = defineStore('history', () => {
  const siteId = ref<string | null>(null)
  // Plain: read once by the next `history:open` ask, so a refresh says so and a plain open does not.
  const refreshAsked = new Set<string>()
  const overviews = createResourceMap(
    (site: string) => site,
    (site: string) =>
      useApi().call('history:open', refreshAsked.delete(site) ? { siteId: site, refresh: true } : { siteId: site }),
  )
  /** The newest status an event brought since the last answer; null once an answer is newer. */
  const liveStatus = shallowRef<RepoStatus | null>(null)
  const actionError = ref<string | null>(null)
  const localBusy = ref(false)

  const pages = createCommitPager(
    (cursor) => useApi().call('history:page', { siteId: requireSite(), cursor }),
    (page) => page.offset,
  )
  const query = ref('')
  /** The query the shown matches are for; null while no search is on. */
  const searchedFor = ref<string | null>(null)
  let searchTimer: ReturnType<typeof setTimeout> | null = null
  const matches = createCommitPager((cursor) =>
    useApi().call('history:search', { siteId: requireSite(), query: searchedFor.value ?? '', cursor }),
  )

  const selectedOid = ref<string | null>(null)
  const details = createResourceMap(
    (site: string, oid: string) => `${site}/${oid}`,
    (site: string, oid: string) => useApi().call('history:commit', { siteId: site, oid }),
  )
  const fileDiffs = createResourceMap(
    (site: string, oid: string, path: string) => `${site}/${oid}/${path}`,
    (site: string, oid: string, path: string) => useApi().call('history:file-diff', { siteId: site, oid, path }),
  )
  const diffMode = ref<DiffMode>(readDiffMode())
  let unsubscribe: (() => void) | null = null

  function requireSite(): string {
    if (!siteId.value) throw new Error('No site is open in the code history.')
    return siteId.value
  }

  const idleOverview = createResource<HistoryOverview>(() => Promise.reject(new Error('No site is open.')))
  const overview = computed<Resource<HistoryOverview>>(() =>
    siteId.value ? overviews.get(siteId.value) : idleOverview,
  )
  /** The repository's newest known state: an event's, or the last answer's. */
  const status = computed<RepoStatus | null>(() => liveStatus.value ?? overview.value.data?.repo ?? null)
  const positions = computed(() => overview.value.data?.positions ?? [])
  const gaps = computed(() => overview.value.data?.gaps ?? [])
  const totalCommits = computed(() => overview.value.data?.totalCommits ?? null)
  /** The history can be read: the repository answered with where the environments stand. */
  const hasHistory = computed(() => positions.value.length > 0)
  /** Cloning or fetching now, by the newest word on it. */
  const transferring = computed(() => status.value?.state === 'cloning' || status.value?.state === 'fetching')

  const searching = computed(() => query.value.trim() !== '')
  /** The rows the list shows: the matches while a query is on, else the history. */
  const pager = computed<CommitPager<CommitPage>>(() => (searching.value ? matches : pages))

  function listen(): void {
    unsubscribe ??= useApi().on('history:progress', (next) => {
      if (next.siteId !== siteId.value) return
      liveStatus.value = next
      // An answer that came while the clone was still running is followed by the one that ends it.
      const answered = overview.value.data?.repo.state
      if (next.state === 'ready' && (answered === 'cloning' || answered === 'fetching') && !overview.value.loading)
        void reopen(next.siteId, false)
    })
  }

  function stop(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  /** Takes a new answer about the repository: the list starts again when the history moved. */
  function absorb(before: HistoryOverview | null, after: HistoryOverview): void {
    liveStatus.value = null
    // With no answer before there is no list to drop (a site's first answer finds it empty, and
    // the list may already be asking for the first page).
    if (before && historyMoved(before, after)) {
      pages.restart()
      matches.restart()
      if (searchedFor.value) void matches.more()
    }
    if (after.positions.length > 0 && !pages.started) void pages.more()
  }

  async function reopen(site: string, refresh: boolean): Promise<void> {
    const resource = overviews.entry(site)
    const before = resource.data
    if (refresh) refreshAsked.add(site)
    const after = await resource.reload()
    if (after && siteId.value === site && after !== before) absorb(before, after)
  }

  /** Opens a site's history (cloning or fetching as main sees fit); a different site starts clean. */
  async function open(site: string): Promise<void> {
    if (siteId.value !== site) {
      siteId.value = site
      liveStatus.value = null
      actionError.value = null
      pages.restart()
      clearSearch()
      selectedOid.value = null
    }
    listen()
    await reopen(site, false)
  }

  /** Fetches from the platform now; the list stays when nothing moved. */
  function refresh(): Promise<void> {
    return siteId.value ? reopen(siteId.value, true) : Promise.resolve()
  }

  async function act<T>(action: () => Promise<T>): Promise<T | null> {
    actionError.value = null
    try {
      return await action()
    } catch (cause) {
      actionError.value = toResourceError(cause).message
      return null
    }
  }

  /** Stops the clone, fetch or search under way. */
  async function cancel(): Promise<void> {
    const site = siteId.value
    if (site) await act(() => useApi().call('history:cancel', { siteId: site }))
  }

  /** A folder picker for a local clone; null when cancelled or where there is none (browser mode). */
  async function chooseLocal(): Promise<string | null> {
    const site = siteId.value
    return site ? act(() => useApi().call('history:choose-local', { siteId: site })) : null
  }

  async function openLocal(path: string): Promise<boolean> {
    const site = siteId.value
    if (!site) return false
    localBusy.value = true
    try {
      const resource = overviews.entry(site)
      const before = resource.data
      const answer = await act(() => useApi().call('history:open-local', { siteId: site, path }))
      if (!answer || siteId.value !== site) return false
      resource.set(answer)
      absorb(before, answer)
      return true
    } finally {
      localBusy.value = false
    }
  }

  async function closeLocal(): Promise<void> {
    const site = siteId.value
    if (!site) return
    const repo = await act(() => useApi().call('history:close-local', { siteId: site }))
    if (!repo || siteId.value !== site) return
    overviews.entry(site).set({ repo, positions: [], gaps: [], totalCommits: null })
    liveStatus.value = null
    pages.restart()
    clearSearch()
    selectedOid.value = null
  }

  /** What the search box holds; the search is sent once typing rests. */
  function setQuery(text: string): void {
    query.value = text
    if (searchTimer) clearTimeout(searchTimer)
    searchTimer = null
    const words = text.trim()
    if (!words) {
      clearSearch()
      return
    }
    searchTimer = setTimeout(() => {
      searchTimer = null
      if (words === searchedFor.value) return
      searchedFor.value = words
      matches.restart()
      void matches.more()
    }, SEARCH_DEBOUNCE_MS)
  }

  /** Back to the whole history. */
  function clearSearch(): void {
    if (searchTimer) clearTimeout(searchTimer)
    searchTimer = null
    query.value = ''
    searchedFor.value = null
    matches.restart()
  }

  /** The next page of what the list shows. */
  function loadMore(): Promise<void> {
    if (searching.value) return searchedFor.value ? matches.more() : Promise.resolve()
    return hasHistory.value ? pages.more() : Promise.resolve()
  }

  function select(oid: string | null): void {
    selectedOid.value = oid
    if (oid && siteId.value) void details.entry(siteId.value, oid).load()
  }

  const detail = computed<Resource<CommitDetail> | null>(() =>
    siteId.value && selectedOid.value ? details.get(siteId.value, selectedOid.value) : null,
  )

  function reloadDetail(): void {
    if (siteId.value && selectedOid.value) void details.entry(siteId.value, selectedOid.value).reload()
  }

  /** A file's whole diff ("Show all"). */
  function showAll(oid: string, path: string): void {
    if (siteId.value) void fileDiffs.entry(siteId.value, oid, path).reload()
  }

  function fileDiff(oid: string, path: string): Resource<FileDiff> | null {
    return siteId.value ? fileDiffs.get(siteId.value, oid, path) : null
  }

  /** A file as the detail should show it: its whole diff once "Show all" brought it. */
  function fileChange(oid: string, change: FileChange): FileChange {
    return fileDiff(oid, change.path)?.data?.change ?? change
  }

  function setDiffMode(mode: DiffMode): void {
    diffMode.value = mode
    try {
      localStorage.setItem(DIFF_MODE_KEY, mode)
    } catch {
      // A page without storage keeps the choice for this visit only.
    }
  }

  /** Forgets everything (another platform's sites are other sites). */
  function reset(): void {
    stop()
    siteId.value = null
    liveStatus.value = null
    actionError.value = null
    overviews.reset()
    details.reset()
    fileDiffs.reset()
    pages.restart()
    clearSearch()
    selectedOid.value = null
  }

  return {
    siteId,
    overview,
    status,
    positions,
    gaps,
    totalCommits,
    hasHistory,
    transferring,
    actionError,
    localBusy,
    pages,
    matches,
    pager,
    query,
    searchedFor,
    searching,
    selectedOid,
    detail,
    diffMode,
    open,
    refresh,
    stop,
    cancel,
    chooseLocal,
    openLocal,
    closeLocal,
    setQuery,
    clearSearch,
    loadMore,
    select,
    reloadDetail,
    showAll,
    fileDiff,
    fileChange,
    setDiffMode,
    reset,
  }
})
