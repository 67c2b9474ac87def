/**
 * Carrying out a move from a dialog (a revert, a reset, an undo, a deploy): one request at a
 * time, its answer kept for the dialog's "done" state, and its error kept with main's code, so a
 * dialog can tell a lease refusal (dev moved: look again) from any other failure.
 */
import { computed, ref, shallowRef } from 'vue'
import { LEASE_ERROR } from '../lib/rollback'
import { toResourceError, type ResourceError } from '../stores/resource'

export function useCodeMove<T>() {
  const submitting = ref(false)
  const error = shallowRef<ResourceError | null>(null)
  const result = shallowRef<T | null>(null)
  /** Main refused the push because dev moved since the preview: a fresh look is the way on. */
  const leaseRefused = computed(() => error.value?.code === LEASE_ERROR)

  /** Runs `request`; a failure leaves the dialog as it was, with the reason in `error`. */
  async function run(request: () => Promise<T>): Promise<void> {
    if (submitting.value) return
    submitting.value = true
    error.value = null
    try {
      result.value = await request()
    } catch (cause) {
      error.value = toResourceError(cause)
    } finally {
      submitting.value = false
    }
  }

  return { submitting, error, result, leaseRefused, run }
}
