import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref, useTemplateRef } from 'vue'
import { useVirtualList, type VirtualList } from '../../src/renderer/src/composables/useVirtualList'

interface Item {
  readonly id: number
  readonly tall: boolean
}

/** Mounts a scroller driven by the composable and hands back its state. */
function harness(items: Item[]) {
  const list = ref(items)
  let api: VirtualList<Item> | null = null
  const wrapper = mount(
    defineComponent({
      setup() {
        const scroller = useTemplateRef<HTMLElement>('scroller')
        api = useVirtualList(list, scroller, {
          heightOf: (item) => (item.tall ? 100 : 20),
          overscan: 2,
          fallbackHeight: 200,
        })
        return () => h('div', { ref: 'scroller', onScroll: api!.onScroll })
      },
    }),
  )
  const scrollTo = async (top: number) => {
    ;(wrapper.element as HTMLElement).scrollTop = top
    await wrapper.trigger('scroll')
  }
  return { list, api: api!, scrollTo }
}

describe('useVirtualList', () => {
  it('places rows by their fixed heights and windows them with overscan', async () => {
    // 10 short (20 px) rows, then 100 tall (100 px) ones.
    const items = Array.from({ length: 110 }, (_, id) => ({ id, tall: id >= 10 }))
    const { api, scrollTo } = harness(items)
    expect(api.totalHeight.value).toBe(10 * 20 + 100 * 100)
    // 200 px viewport at the top: rows 0..9 (200 px) and row 10 starts at 200, plus 2 overscan.
    expect(api.rows.value.map((row) => row.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(api.rows.value[10]).toMatchObject({ top: 200, height: 100 })

    await scrollTo(200 + 50 * 100 + 30)
    // Top edge inside row 60 (starts at 200 + 50*100); the viewport ends inside row 62.
    expect(api.topIndex.value).toBe(60)
    expect(api.rows.value.map((row) => row.index)).toEqual([58, 59, 60, 61, 62, 63, 64])
  })

  it('clamps a scroll offset past the end and copes with an empty or shrinking list', async () => {
    const { api, list, scrollTo } = harness(Array.from({ length: 50 }, (_, id) => ({ id, tall: true })))
    await scrollTo(1_000_000)
    const last = api.rows.value[api.rows.value.length - 1]
    expect(last?.index).toBe(49)
    expect(api.rows.value.length).toBeLessThan(8)
    list.value = list.value.slice(0, 3)
    expect(api.rows.value.map((row) => row.index)).toEqual([0, 1, 2])
    list.value = []
    expect(api.rows.value).toEqual([])
    expect(api.topIndex.value).toBe(-1)
    expect(api.totalHeight.value).toBe(0)
  })
})
