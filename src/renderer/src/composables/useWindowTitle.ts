/**
 * Sets the window title from what a view shows, most specific first: "dev · acme – Restore Desk".
 * The router names the views it can name alone (Connections, Code history); views whose title
 * needs loaded data (a site's name) call this, and it follows that data as it arrives.
 */
import { watchEffect } from 'vue'

export const APP_NAME = 'Restore Desk'

/** The title for these parts (empty ones left out); the app's name alone when none is left. */
export function windowTitle(parts: readonly (string | null | undefined)[]): string {
  const named = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '')
  return named.length ? `${named.join(' · ')} – ${APP_NAME}` : APP_NAME
}

/** Keeps `document.title` on `parts()` while the calling component is mounted. */
export function useWindowTitle(parts: () => readonly (string | null | undefined)[]): void {
  watchEffect(() => {
    if (typeof document !== 'undefined') document.title = windowTitle(parts())
  })
}
