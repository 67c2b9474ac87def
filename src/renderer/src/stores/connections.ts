/** The platforms the app can talk to: list, add, activate, remove (tokens never reach the page). */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ConnectionSummary } from '../../../shared/app'
import type { InvokeRequest } from '../../../shared/ipc'
import { useApi } from '../api/client'
import { useAppStore } from './app'
import { messageOf } from '../lib/format'
import { createResource } from './resource'

/** What the add form sends. */
export type NewConnection = InvokeRequest<'connections:add'>

/** The connections list and the actions on it; the active one decides which sites are shown. */
export const useConnectionsStore = defineStore('connections', () => {
  const listing = createResource(() => useApi().call('connections:list'))
  /** Id of the connection an action is running on, to disable its buttons. */
  const busyId = ref<string | null>(null)
  const actionError = ref<string | null>(null)

  const app = useAppStore()
  /**
   * The saved list says whether a connection was set up; whether the active one answers now is
   * main's health probe, in app:status. The active row shows that, so this list never says
   * "Ready" while the header says "Unreachable".
   */
  const list = computed<readonly ConnectionSummary[]>(() => {
    const live = app.platform
    return (listing.data ?? []).map((connection) =>
      connection.active && live?.id === connection.id && live.status === 'unreachable'
        ? { ...connection, status: live.status, error: live.error }
        : connection,
    )
  })
  const active = computed(() => list.value.find((connection) => connection.active) ?? null)

  async function load(): Promise<void> {
    await listing.reload()
  }

  /** Adds a connection; throws the platform's message so the form can show it next to the fields. */
  async function add(request: NewConnection): Promise<ConnectionSummary> {
    const added = await useApi().call('connections:add', request)
    await load()
    return added
  }

  /** Runs `action` on connection `id` with its buttons disabled; on failure keeps the message and returns false. */
  async function actOn(id: string, action: () => Promise<void>): Promise<boolean> {
    busyId.value = id
    actionError.value = null
    try {
      await action()
      return true
    } catch (cause) {
      actionError.value = messageOf(cause)
      return false
    } finally {
      busyId.value = null
    }
  }

  function activate(id: string): Promise<boolean> {
    return actOn(id, async () => {
      await useApi().call('connections:activate', { id })
      await load()
    })
  }

  function remove(id: string): Promise<boolean> {
    return actOn(id, async () => {
      listing.set(await useApi().call('connections:remove', { id }))
    })
  }

  return { listing, list, busyId, actionError, active, load, add, activate, remove }
})
