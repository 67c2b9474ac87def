/**
 * The desktop menu's commands, carried out on the view on screen: Refresh (CmdOrCtrl+R) asks
 * again for what that view shows, the way its own Refresh button does, and Find (CmdOrCtrl+F)
 * moves the focus to its search box (the sites search in the sidebar when the view has none).
 * Subscribed for as long as the calling component's scope lives.
 */
import { onScopeDispose } from 'vue'
import { useRoute } from 'vue-router'
import type { AppCommand } from '../../../shared/app'
import { codeHistoryParams, siteParams } from '../router/places'
import { useAppStore } from '../stores/app'
import { useBackupsStore } from '../stores/backups'
import { useConnectionsStore } from '../stores/connections'
import { useHistoryStore } from '../stores/history'
import { useSitesStore } from '../stores/sites'

/** The search box Find goes to: the view's own first, else the first on the page. */
function searchBox(): HTMLInputElement | null {
  return (
    document.querySelector<HTMLInputElement>('#main-content input[type="search"]') ??
    document.querySelector<HTMLInputElement>('input[type="search"]')
  )
}

export function useAppCommands(): void {
  const route = useRoute()
  const sites = useSitesStore()
  const backups = useBackupsStore()
  const connections = useConnectionsStore()
  const history = useHistoryStore()

  async function refresh(): Promise<void> {
    if (route.name === 'site') {
      const { siteId, env } = siteParams(route)
      await Promise.all([
        sites.open(siteId, { force: true }),
        ...(env ? [backups.load(siteId, env), sites.loadCodeLog(siteId, env, { force: true })] : []),
      ])
    } else if (route.name === 'code-history') {
      const { siteId } = codeHistoryParams(route)
      // As the view's own Refresh button: not while a clone or fetch is under way.
      await Promise.all([sites.open(siteId, { force: true }), history.transferring ? null : history.refresh()])
    } else if (route.name === 'connections') {
      await connections.load()
    } else {
      await sites.load()
    }
  }

  function run(command: AppCommand): void {
    if (command === 'find') {
      const box = searchBox()
      box?.focus()
      box?.select()
    } else {
      // Failures show in the view itself (each resource keeps its error); nothing to add here.
      void refresh()
    }
  }

  onScopeDispose(useAppStore().onCommand(run))
}
