/** What the app is and which platform it talks to, kept fresh by the `app:status` event. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AppInfo } from '../../../shared/app'
import { useApi } from '../api/client'

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let unsubscribe: (() => void) | null = null

  const platform = computed(() => info.value?.platform ?? null)

  async function load(): Promise<void> {
    const api = useApi()
    loading.value = true
    error.value = null
    try {
      info.value = await api.call('app:info')
      unsubscribe ??= api.on('app:status', (status) => {
        if (info.value) info.value = { ...info.value, platform: status.platform }
      })
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause)
    } finally {
      loading.value = false
    }
  }

  return { info, loading, error, platform, load }
})
