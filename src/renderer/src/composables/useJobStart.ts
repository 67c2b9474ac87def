/**
 * Starting a job from a dialog (restore, undo, clone, import): one request at a time, its
 * error kept for the dialog to show in the platform's words, and the started job handed on.
 */
import { ref } from 'vue'
import type { Job } from '../../../shared/jobs'
import { messageOf } from '../lib/format'

export function useJobStart(onStarted: (job: Job) => void) {
  const submitting = ref(false)
  const error = ref<string | null>(null)

  /** Runs `request`; a failure leaves the dialog open with the reason in `error`. */
  async function start(request: () => Promise<Job>): Promise<void> {
    if (submitting.value) return
    submitting.value = true
    error.value = null
    try {
      onStarted(await request())
    } catch (cause) {
      error.value = messageOf(cause)
    } finally {
      submitting.value = false
    }
  }

  return { submitting, error, start }
}
