/**
 * Focus for a drawer that opens beside the view (downloads, activity): it takes the focus when it
 * opens, so a keyboard or screen reader user lands in it, and gives it back to the header button
 * that toggles it when it closes (Escape, its close button or the toggle), but only when the focus
 * was inside it: a drawer closed by a click elsewhere leaves the focus where the person put it.
 */
import { onBeforeUnmount, onMounted, type Ref } from 'vue'

export function useDrawerFocus(drawer: Readonly<Ref<HTMLElement | null>>, toggleId: string): void {
  onMounted(() => drawer.value?.focus())
  onBeforeUnmount(() => {
    const active = document.activeElement
    const focusWasInside = active === null || active === document.body || drawer.value?.contains(active) === true
    // After the drawer leaves the page, so the button is not re-covered by it on small screens.
    if (focusWasInside) queueMicrotask(() => document.getElementById(toggleId)?.focus())
  })
}
