/**
 * The colour theme: the person's choice (System, Light or Dark), remembered in localStorage and
 * checked with zod when read back, put on <html> as `data-theme` (base.css pins `color-scheme` to
 * it; with no attribute the page follows the OS by itself), and told to main so that the desktop
 * shell's native parts follow too. `applyStoredTheme` runs before the app mounts, so a pinned
 * theme is in place before the first paint.
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { themeChoiceSchema, type ThemeChoice } from '../../../shared/theme'
import { useApi } from '../api/client'

export const THEME_STORAGE_KEY = 'restore-desk.theme'

/** The remembered choice; anything missing, unreadable or unknown reads as "system". */
export function readStoredTheme(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): ThemeChoice {
  try {
    const parsed = themeChoiceSchema.safeParse(storage?.getItem(THEME_STORAGE_KEY))
    return parsed.success ? parsed.data : 'system'
  } catch {
    // Storage can refuse access (privacy settings); the OS's theme is a fine answer then.
    return 'system'
  }
}

/** Pins the page to a theme, or lets it follow the OS ("system": no attribute). */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === 'system') delete root.dataset.theme
  else root.dataset.theme = choice
}

/** Applies the remembered choice at once; main.ts calls it before mounting the app. */
export function applyStoredTheme(): ThemeChoice {
  const choice = readStoredTheme()
  applyTheme(choice)
  return choice
}

export const useThemeStore = defineStore('theme', () => {
  const choice = ref<ThemeChoice>(readStoredTheme())
  /** Why the choice could not be remembered, when it could not. */
  const saveError = ref<string | null>(null)

  function tellMain(theme: ThemeChoice): void {
    // Only native menus and dialogs depend on it, and browser mode has none: the page's own
    // theme is already right, so a failure here is not worth interrupting the person for.
    Promise.resolve()
      .then(() => useApi().call('app:set-theme', { theme }))
      .catch((error: unknown) => console.warn('The desktop shell did not take the theme:', error))
  }

  watch(
    choice,
    (next) => {
      applyTheme(next)
      tellMain(next)
    },
    { immediate: true },
  )

  function choose(next: ThemeChoice): void {
    choice.value = next
    try {
      localStorage.setItem(THEME_STORAGE_KEY, next)
      saveError.value = null
    } catch {
      saveError.value = 'This theme applies until the app closes: the browser refused to store it.'
    }
  }

  return { choice, saveError, choose }
})
