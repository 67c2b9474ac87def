/** An element's content width in CSS pixels, followed as it resizes; 0 until it is measured. */
import { onScopeDispose, ref, watch, type Ref } from 'vue'

export function useElementWidth(element: Readonly<Ref<HTMLElement | null>>): Readonly<Ref<number>> {
  const width = ref(0)
  let observer: ResizeObserver | null = null
  const stop = watch(
    element,
    (current) => {
      observer?.disconnect()
      observer = null
      if (!current) return
      width.value = current.clientWidth
      if (typeof ResizeObserver === 'undefined') return
      observer = new ResizeObserver(() => {
        width.value = current.clientWidth
      })
      observer.observe(current)
    },
    { immediate: true, flush: 'post' },
  )
  onScopeDispose(() => {
    stop()
    observer?.disconnect()
  })
  return width
}
