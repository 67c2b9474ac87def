/**
 * A windowed list for long, fixed-height rows: only the rows inside the scroll viewport (plus
 * an overscan margin) are rendered, each absolutely placed at its precomputed offset inside a
 * spacer as tall as the whole list. Row heights may differ by kind (a day heading is shorter
 * than a backup) but are fixed per row, so offsets are a prefix sum and the first visible row
 * is a binary search: scrolling 1,000 backups costs a few dozen DOM nodes.
 */
import { computed, onScopeDispose, ref, toValue, watch, type ComputedRef, type MaybeRefOrGetter, type Ref } from 'vue'

/** One rendered row and where it sits. */
export interface VirtualRow<T> {
  readonly item: T
  readonly index: number
  readonly top: number
  readonly height: number
}

export interface VirtualListOptions<T> {
  /** The fixed height in pixels of a row. */
  readonly heightOf: (item: T) => number
  /** Extra rows rendered above and below the viewport. */
  readonly overscan?: number
  /** Viewport height to assume before the element is measured (or where layout is unavailable). */
  readonly fallbackHeight?: number
}

export interface VirtualList<T> {
  readonly totalHeight: ComputedRef<number>
  readonly rows: ComputedRef<VirtualRow<T>[]>
  /** Index of the row at the top edge of the viewport (-1 when empty). */
  readonly topIndex: ComputedRef<number>
  /** The scroll offset, as last measured. */
  readonly scrollTop: Readonly<Ref<number>>
  /** Where row `index` starts, in pixels from the top of the list. */
  readonly offsetOf: (index: number) => number
  /** Bind to the scrolling element's `scroll` event. */
  readonly onScroll: () => void
  /** Scrolls back to the first row. */
  readonly scrollToTop: () => void
}

/** Index of the last offset that is ≤ `value` (offsets ascend). */
function lastIndexAtOrBefore(offsets: readonly number[], value: number): number {
  let low = 0
  let high = offsets.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if ((offsets[mid] ?? 0) <= value) low = mid
    else high = mid - 1
  }
  return low
}

/**
 * Windows `items` to what the scroll viewport shows. `container` is the scrolling element
 * (e.g. from `useTemplateRef`); bind its `scroll` event to the returned `onScroll`.
 */
export function useVirtualList<T>(
  items: MaybeRefOrGetter<readonly T[]>,
  container: Readonly<Ref<HTMLElement | null>>,
  options: VirtualListOptions<T>,
): VirtualList<T> {
  const overscan = options.overscan ?? 6
  const fallbackHeight = options.fallbackHeight ?? 600
  const scrollTop = ref(0)
  const viewportHeight = ref(0)

  const layout = computed(() => {
    const list = toValue(items)
    const offsets = new Array<number>(list.length)
    let total = 0
    for (let index = 0; index < list.length; index += 1) {
      offsets[index] = total
      total += options.heightOf(list[index] as T)
    }
    return { list, offsets, total }
  })

  const totalHeight = computed(() => layout.value.total)
  const topIndex = computed(() =>
    layout.value.list.length === 0 ? -1 : lastIndexAtOrBefore(layout.value.offsets, scrollTop.value),
  )

  const rows = computed<VirtualRow<T>[]>(() => {
    const { list, offsets, total } = layout.value
    if (list.length === 0) return []
    const height = viewportHeight.value > 0 ? viewportHeight.value : fallbackHeight
    const top = Math.min(scrollTop.value, Math.max(0, total - height))
    const first = lastIndexAtOrBefore(offsets, top)
    const last = lastIndexAtOrBefore(offsets, top + height)
    const start = Math.max(0, first - overscan)
    const end = Math.min(list.length - 1, last + overscan)
    const visible: VirtualRow<T>[] = []
    for (let index = start; index <= end; index += 1) {
      const item = list[index] as T
      visible.push({ item, index, top: offsets[index] ?? 0, height: options.heightOf(item) })
    }
    return visible
  })

  const measure = (): void => {
    const element = container.value
    if (!element) return
    viewportHeight.value = element.clientHeight
    scrollTop.value = element.scrollTop
  }

  // The element may appear later (after a loading state), so follow it rather than onMounted.
  let observer: ResizeObserver | null = null
  watch(
    container,
    (element) => {
      observer?.disconnect()
      observer = null
      if (!element) return
      measure()
      if (typeof ResizeObserver !== 'undefined') {
        observer = new ResizeObserver(() => measure())
        observer.observe(element)
      }
    },
    { immediate: true, flush: 'post' },
  )
  onScopeDispose(() => observer?.disconnect())

  return {
    totalHeight,
    rows,
    topIndex,
    scrollTop,
    offsetOf: (index) => layout.value.offsets[index] ?? 0,
    onScroll: measure,
    scrollToTop: () => {
      if (container.value) container.value.scrollTop = 0
      scrollTop.value = 0
    },
  }
}
