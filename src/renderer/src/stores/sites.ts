/** The active platform's sites, the open site's environments and each environment's code log. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CodeLogEntry, Site, SiteDetails } from '../../../shared/platform-types'
import { useApi } from '../api/client'
import { createResource, createResourceMap, type Resource } from './resource'

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
  const listing = createResource(() => useApi().call('sites:list'))
  const details = createResourceMap(
    (siteId: string) => siteId,
    (siteId: string) => useApi().call('sites:open', { siteId }),
  )
  const codeLogs = createResourceMap(envKey, (siteId: string, env: string) =>
    useApi().call('code:log', { siteId, env }),
  )
  const query = ref('')

  const list = computed<readonly Site[]>(() => listing.data ?? [])
  const filtered = computed(() =>
    list.value.filter((site) => siteMatches(site, query.value)).sort((a, b) => a.label.localeCompare(b.label)),
  )

  async function load(): Promise<void> {
    await listing.reload()
  }

  /** Forgets everything about the previous platform (after switching connections). */
  function reset(): void {
    listing.reset()
    details.reset()
    codeLogs.reset()
  }

  /** A site's details and environments. */
  function detailsOf(siteId: string): Resource<SiteDetails> {
    return details.get(siteId)
  }

  /** Opens a site: its details as loaded before, unless `force` asks the platform again. */
  function open(siteId: string, options: { force?: boolean } = {}): Promise<SiteDetails | null> {
    const resource = details.entry(siteId)
    return options.force ? resource.reload() : resource.load()
  }

  /** An environment's commits, newest first. */
  function codeLog(siteId: string, env: string): Resource<CodeLogEntry[]> {
    return codeLogs.get(siteId, env)
  }

  async function loadCodeLog(siteId: string, env: string, options: { force?: boolean } = {}): Promise<void> {
    const resource = codeLogs.entry(siteId, env)
    await (options.force ? resource.reload() : resource.load())
  }

  function siteById(siteId: string): Site | null {
    return (
      list.value.find((site) => site.id === siteId || site.name === siteId) ?? details.get(siteId).data?.site ?? null
    )
  }

  return { listing, list, query, filtered, load, reset, detailsOf, open, codeLog, loadCodeLog, siteById }
})
