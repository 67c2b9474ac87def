/** A ticking clock for relative times ("3 hours ago"), stopped when the owning scope ends. */
import { onScopeDispose, ref, type Ref } from 'vue'

/** The current time in epoch milliseconds, refreshed every `intervalMs` (30 s by default). */
export function useNow(intervalMs = 30_000): Readonly<Ref<number>> {
  const now = ref(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}
