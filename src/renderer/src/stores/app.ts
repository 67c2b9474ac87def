/**
 * What the app is, which platform it talks to and what it has to tell the person, kept fresh by
 * the `app:status` and `app:notices` events.
 */
import { defineStore } from 'pinia'
import { computed } from 'vue'
import type { AppCommand, AppNotice } from '../../../shared/app'
import { useApi } from '../api/client'
import { createResource } from './resource'

export const useAppStore = defineStore('app', () => {
  const about = createResource(() => useApi().call('app:info'))
  let unsubscribe: (() => void) | null = null
  let unsubscribeNotices: (() => void) | null = null

  const info = computed(() => about.data)
  const platform = computed(() => about.data?.platform ?? null)
  const notices = computed<readonly AppNotice[]>(() => about.data?.notices ?? [])

  async function load(): Promise<void> {
    const api = useApi()
    unsubscribe ??= api.on('app:status', (status) => {
      about.update((current) => current && { ...current, platform: status.platform })
    })
    unsubscribeNotices ??= api.on('app:notices', (list) => {
      about.update((current) => current && { ...current, notices: list })
    })
    await about.reload()
  }

  /** Hides a notice at once; main tells every page (and this one again) through `app:notices`. */
  async function dismissNotice(id: string): Promise<void> {
    about.update((current) => current && { ...current, notices: current.notices.filter((n) => n.id !== id) })
    await useApi().call('app:dismiss-notice', { id })
  }

  /** Listens to the desktop menu's commands for the page (Electron only); returns the unsubscribe function. */
  function onCommand(listener: (command: AppCommand) => void): () => void {
    return useApi().on('app:command', ({ command }) => listener(command))
  }

  return { about, info, platform, notices, load, dismissNotice, onCommand }
})
