/** What the app is and which platform it talks to, kept fresh by the `app:status` event. */
import { defineStore } from 'pinia'
import { computed } from 'vue'
import { useApi } from '../api/client'
import { createResource } from './resource'

export const useAppStore = defineStore('app', () => {
  const about = createResource(() => useApi().call('app:info'))
  let unsubscribe: (() => void) | null = null

  const info = computed(() => about.data)
  const platform = computed(() => about.data?.platform ?? null)

  async function load(): Promise<void> {
    const api = useApi()
    unsubscribe ??= api.on('app:status', (status) => {
      about.update((current) => current && { ...current, platform: status.platform })
    })
    await about.reload()
  }

  return { about, info, platform, load }
})
