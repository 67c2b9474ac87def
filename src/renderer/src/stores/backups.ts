/** Each environment's backup catalog (the timeline's data) and the timeline's filters. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Backup } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { messageOf } from '../lib/format'
import { NO_FILTERS, type TimelineFilters } from '../lib/timeline'
import { envKey, type Loadable } from './sites'

/** Backup catalogs per site environment, loaded on demand, plus the timeline filters. */
export const useBackupsStore = defineStore('backups', () => {
  const timelines = ref<Record<string, Loadable<Backup[]>>>({})
  const filters = ref<TimelineFilters>({ ...NO_FILTERS })

  function timeline(siteId: string, env: string): Loadable<Backup[]> {
    return timelines.value[envKey(siteId, env)] ?? { value: null, loading: false, error: null }
  }

  /** Loads the catalog; keeps the old list on screen while refreshing. */
  async function load(siteId: string, env: string): Promise<void> {
    const key = envKey(siteId, env)
    const current = timelines.value[key]
    timelines.value[key] = { value: current?.value ?? null, loading: true, error: null }
    try {
      const value = await useApi().call('backups:list', { siteId, env })
      timelines.value[key] = { value, loading: false, error: null }
    } catch (cause) {
      timelines.value[key] = { value: current?.value ?? null, loading: false, error: messageOf(cause) }
    }
  }

  /** Loads the catalog only if it was never loaded. */
  async function ensure(siteId: string, env: string): Promise<void> {
    const current = timelines.value[envKey(siteId, env)]
    if (current?.value || current?.loading) return
    await load(siteId, env)
  }

  function setFilters(next: Partial<TimelineFilters>): void {
    filters.value = { ...filters.value, ...next }
  }

  function clearFilters(): void {
    filters.value = { ...NO_FILTERS }
  }

  function reset(): void {
    timelines.value = {}
  }

  return { timelines, filters, timeline, load, ensure, setFilters, clearFilters, reset }
})
