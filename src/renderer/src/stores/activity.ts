/**
 * The open site's activity (`activity:site`): the platform's workflows, this app's jobs, which
 * environments are busy and what can be undone. The main process keeps the jobs, so what this
 * store shows survives reloads and restarts; it only polls and listens.
 *
 * Polling: every 2 s while a workflow or job of the site is unfinished, else every 10 s while the
 * activity panel is open and every 15 s when it is not; at once on `jobs:changed` and
 * `workflows:progress`; not at all when no site is open. A job that ends (seen running before, or
 * new since the first answer) reloads its environment's backups (the safety backup appears), the
 * site's details (commits moved) and the code log, and notifies when this page started it.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { z } from 'zod'
import type { Job, JobState, SiteActivity, UndoOffer } from '../../../shared/jobs'
import { useApi } from '../api/client'
import { isJobEnded, notificationTitle } from '../lib/jobs'
import { notifyUnfocused } from '../lib/notify'
import { useAppStore } from './app'
import { useBackupsStore } from './backups'
import { createResourceMap, type Resource } from './resource'
import { useSitesStore } from './sites'

export const POLL_BUSY_MS = 2_000
export const POLL_PANEL_MS = 10_000
export const POLL_IDLE_MS = 15_000

const STEP_RANK = { pending: 0, running: 1, succeeded: 2, failed: 2, skipped: 2 } as const

/** How far a job has got; steps only move forward, so the copy with the higher rank is the newer. */
function progressRank(job: Job): number {
  return job.steps.reduce((sum, step) => sum + STEP_RANK[step.state], 0) + (isJobEnded(job) ? 100 : 0)
}

/** The newer of two copies of a job (the first wins a tie). */
function newer(candidate: Job, other: Job | undefined): Job {
  return other && progressRank(other) > progressRank(candidate) ? other : candidate
}

/**
 * An answer with what events brought while it was on its way: a job an event moved further
 * stays as the event had it, and one started after the answer was made stays listed.
 */
function mergeActivity(answer: SiteActivity, current: SiteActivity | null): SiteActivity {
  if (!current) return answer
  const known = new Map(current.jobs.map((job) => [job.id, job]))
  const listed = new Set(answer.jobs.map((job) => job.id))
  const started = current.jobs.filter((job) => !listed.has(job.id) && job.createdAt > answer.fetchedAt)
  return { ...answer, jobs: [...started, ...answer.jobs.map((job) => newer(job, known.get(job.id)))] }
}

/** Finished job cards the person closed, remembered so a reload does not bring them back. */
const DISMISSED_KEY = 'restore-desk:dismissed-jobs'
const dismissedSchema = z.array(z.string().max(64)).max(500)
const DISMISSED_KEPT = 200

function readDismissed(): string[] {
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(DISMISSED_KEY)
    const parsed = dismissedSchema.safeParse(raw ? JSON.parse(raw) : [])
    return parsed.success ? parsed.data : []
  } catch {
    return []
  }
}

export const useActivityStore = defineStore('activity', () => {
  const activities = createResourceMap(
    (siteId: string) => siteId,
    (siteId: string) => useApi().call('activity:site', { siteId }),
    { merge: mergeActivity },
  )
  /** The site whose activity is followed (the open one), or null. */
  const siteId = ref<string | null>(null)
  const panelOpen = ref(false)
  const dismissed = ref<string[]>(readDismissed())

  // Plain state: none of it is shown.
  const jobStates = new Map<string, JobState>()
  const seededSites = new Set<string>()
  const startedHere = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | null = null
  let refreshing = false
  let refreshAgain = false
  let unsubscribers: Array<() => void> = []

  const current = computed<Resource<SiteActivity> | null>(() => (siteId.value ? activities.get(siteId.value) : null))
  const anythingRunning = computed(() => {
    const data = current.value?.data
    if (!data) return false
    return data.jobs.some((job) => !isJobEnded(job)) || data.workflows.some((workflow) => !workflow.finished)
  })

  function activityOf(site: string): SiteActivity | null {
    return activities.get(site).data
  }

  /** Why a restore, import or clone cannot start on the environment now, or null. */
  function busyReason(site: string, env: string): string | null {
    const busy = activityOf(site)?.busy
    return busy && Object.hasOwn(busy, env) ? (busy[env] ?? null) : null
  }

  /** The environment's "Undo restore" / "Undo clone", or null. */
  function undoOffer(site: string, env: string): UndoOffer | null {
    const undo = activityOf(site)?.undo
    return undo && Object.hasOwn(undo, env) ? (undo[env] ?? null) : null
  }

  /** The job cards of an environment: every running job, and the latest one once ended until closed. */
  function jobsFor(site: string, env: string): Job[] {
    const jobs = (activityOf(site)?.jobs ?? []).filter((job) => job.env === env)
    const latest = jobs[0]
    return jobs.filter((job) => !isJobEnded(job) || (job === latest && !dismissed.value.includes(job.id)))
  }

  function dismiss(jobId: string): void {
    dismissed.value = [...dismissed.value.filter((id) => id !== jobId), jobId].slice(-DISMISSED_KEPT)
    try {
      localStorage.setItem(DISMISSED_KEY, JSON.stringify(dismissed.value))
    } catch {
      // Storage may be unavailable (private mode, quota); the card stays closed until reload.
    }
  }

  function jobEnded(job: Job): void {
    void useBackupsStore().load(job.siteId, job.env)
    const sites = useSitesStore()
    void sites.open(job.siteId, { force: true })
    void sites.loadCodeLog(job.siteId, job.env, { force: true })
    if (startedHere.has(job.id) && useAppStore().info?.mode === 'browser')
      notifyUnfocused(notificationTitle(job), job.summary)
  }

  /** Notes a job's state; `seeding` (a site's first answer) only remembers, since nothing changed before our eyes. */
  function observe(job: Job, seeding: boolean): void {
    const before = jobStates.get(job.id)
    // An answer made before an event can still show the job running: an ended job stays ended.
    if (before !== undefined && before !== 'running') return
    jobStates.set(job.id, job.state)
    if (!seeding && isJobEnded(job)) jobEnded(job)
  }

  function observeAnswer(site: string, answer: SiteActivity): void {
    const seeding = !seededSites.has(site)
    seededSites.add(site)
    for (const job of answer.jobs) observe(job, seeding)
  }

  function clearTimer(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  function schedule(): void {
    clearTimer()
    if (!siteId.value) return
    const delay = anythingRunning.value ? POLL_BUSY_MS : panelOpen.value ? POLL_PANEL_MS : POLL_IDLE_MS
    timer = setTimeout(() => void refresh(), delay)
  }

  /** Asks for the followed site's activity now; calls that come while one is under way make one more after it. */
  async function refresh(): Promise<void> {
    const site = siteId.value
    if (!site) return
    if (refreshing) {
      refreshAgain = true
      return
    }
    clearTimer()
    refreshing = true
    try {
      const answer = await activities.entry(site).reload()
      if (answer) observeAnswer(site, answer)
    } finally {
      refreshing = false
      if (refreshAgain) {
        refreshAgain = false
        void refresh()
      } else schedule()
    }
  }

  /** Takes a job from an event or an answer: into its site's list, ended jobs reload what they changed. */
  function put(job: Job): void {
    observe(job, false)
    const resource = activities.get(job.siteId)
    if (!resource.loaded) return
    resource.update((data) => {
      if (!data) return data
      const index = data.jobs.findIndex((candidate) => candidate.id === job.id)
      if (index < 0) return { ...data, jobs: [job, ...data.jobs] }
      const jobs = [...data.jobs]
      jobs[index] = newer(job, jobs[index])
      return { ...data, jobs }
    })
  }

  /** Subscribes to job and workflow events once. */
  function listen(): void {
    if (unsubscribers.length) return
    const api = useApi()
    unsubscribers = [
      api.on('jobs:changed', (job) => {
        put(job)
        if (job.siteId === siteId.value) void refresh()
      }),
      api.on('workflows:progress', (progress) => {
        if (progress.siteId === siteId.value) void refresh()
      }),
    ]
  }

  /** Follows a site's activity (null: none); the site view calls it as it opens a site. */
  function follow(next: string | null): void {
    listen()
    if (next === siteId.value) return
    siteId.value = next
    clearTimer()
    if (next) void refresh()
  }

  /** Stops following `site` if it is still the followed one (a newer view may have taken over). */
  function unfollow(site: string): void {
    if (siteId.value === site) follow(null)
  }

  /** A job this page just started: shown at once, and notified about when it ends. */
  function adopt(job: Job): void {
    startedHere.add(job.id)
    put(job)
    if (job.siteId === siteId.value) void refresh()
  }

  /** Forgets every site's activity (after switching connections); the followed site is asked again. */
  function reset(): void {
    activities.reset()
    seededSites.clear()
    if (siteId.value) void refresh()
  }

  function stop(): void {
    clearTimer()
    for (const unsubscribe of unsubscribers) unsubscribe()
    unsubscribers = []
    siteId.value = null
  }

  // The panel asks for fresh data as it opens, and the pace changes with it.
  watch(panelOpen, (open) => {
    if (open) void refresh()
    else if (!refreshing) schedule()
  })

  return {
    siteId,
    panelOpen,
    current,
    anythingRunning,
    busyReason,
    undoOffer,
    jobsFor,
    dismiss,
    refresh,
    listen,
    follow,
    unfollow,
    adopt,
    reset,
    stop,
  }
})
