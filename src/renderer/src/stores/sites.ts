/** The active platform's sites, the open site's environments and each environment's code log. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CodeLogEntry, Site, SiteDetails } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { messageOf } from '../lib/format'

/** Something loaded on demand, with its own loading and error state. */
export interface Loadable<T> {
  readonly value: T | null
  readonly loading: boolean
  readonly error: string | null
}

/** Key of one environment of one site. */
export function envKey(siteId: string, env: string): string {
  return `${siteId}/${env}`
}

/** Whether a site matches a search by name or label (case-insensitive). */
export function siteMatches(site: Site, query: string): boolean {
  const needle = query.trim().toLowerCase()
  if (!needle) return true
  return site.name.toLowerCase().includes(needle) || site.label.toLowerCase().includes(needle)
}

/** The sites list with its search, and per-site details and per-environment code logs. */
export const useSitesStore = defineStore('sites', () => {
  const list = ref<Site[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const query = ref('')
  const details = ref<Record<string, Loadable<SiteDetails>>>({})
  const codeLogs = ref<Record<string, Loadable<CodeLogEntry[]>>>({})

  const filtered = computed(() =>
    list.value.filter((site) => siteMatches(site, query.value)).sort((a, b) => a.label.localeCompare(b.label)),
  )

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      list.value = await useApi().call('sites:list')
      loaded.value = true
    } catch (cause) {
      error.value = messageOf(cause)
    } finally {
      loading.value = false
    }
  }

  /** Forgets everything about the previous platform (after switching connections). */
  function reset(): void {
    list.value = []
    loaded.value = false
    details.value = {}
    codeLogs.value = {}
  }

  async function open(siteId: string, options: { force?: boolean } = {}): Promise<SiteDetails | null> {
    const current = details.value[siteId]
    if (current?.value && !options.force) return current.value
    details.value[siteId] = { value: current?.value ?? null, loading: true, error: null }
    try {
      const value = await useApi().call('sites:open', { siteId })
      details.value[siteId] = { value, loading: false, error: null }
      return value
    } catch (cause) {
      details.value[siteId] = { value: null, loading: false, error: messageOf(cause) }
      return null
    }
  }

  async function loadCodeLog(siteId: string, env: string, options: { force?: boolean } = {}): Promise<void> {
    const key = envKey(siteId, env)
    const current = codeLogs.value[key]
    if ((current?.value || current?.loading) && !options.force) return
    codeLogs.value[key] = { value: current?.value ?? null, loading: true, error: null }
    try {
      const value = await useApi().call('code:log', { siteId, env })
      codeLogs.value[key] = { value, loading: false, error: null }
    } catch (cause) {
      codeLogs.value[key] = { value: null, loading: false, error: messageOf(cause) }
    }
  }

  function siteById(siteId: string): Site | null {
    return (
      list.value.find((site) => site.id === siteId || site.name === siteId) ??
      details.value[siteId]?.value?.site ??
      null
    )
  }

  return { list, loading, loaded, error, query, details, codeLogs, filtered, load, reset, open, loadCodeLog, siteById }
})
