/** Each environment's backup catalog (the timeline's data) and the timeline's filters. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Backup } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { NO_FILTERS, type TimelineFilters } from '../lib/timeline'
import { createResourceMap, type Resource } from './resource'
import { envKey } from './sites'

/** Backup catalogs per site environment, loaded on demand, plus the timeline filters. */
export const useBackupsStore = defineStore('backups', () => {
  const catalogs = createResourceMap(envKey, (siteId: string, env: string) =>
    useApi().call('backups:list', { siteId, env }),
  )
  const filters = ref<TimelineFilters>({ ...NO_FILTERS })

  function timeline(siteId: string, env: string): Resource<Backup[]> {
    return catalogs.get(siteId, env)
  }

  /** Loads the catalog again; the old list stays on screen while refreshing. */
  async function load(siteId: string, env: string): Promise<void> {
    await catalogs.entry(siteId, env).reload()
  }

  /** Loads the catalog only if it was never loaded. */
  async function ensure(siteId: string, env: string): Promise<void> {
    await catalogs.entry(siteId, env).load()
  }

  function setFilters(next: Partial<TimelineFilters>): void {
    filters.value = { ...filters.value, ...next }
  }

  function clearFilters(): void {
    filters.value = { ...NO_FILTERS }
  }

  /** Forgets every catalog (after switching connections). */
  function reset(): void {
    catalogs.reset()
  }

  return { filters, timeline, load, ensure, setFilters, clearFilters, reset }
})
