import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DamagedFile } from '../../../src/lib/saved-state'
import { placeWindow, WindowStateStore, type Rect } from '../../../src/main/desktop/window-state'

const sizing = { width: 1280, height: 820, minWidth: 900, minHeight: 600 }
const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 }
/** A second monitor to the right of the laptop. */
const monitor: Rect = { x: 1440, y: -200, width: 2560, height: 1400 }

describe('window state file', () => {
  let dir = ''
  let file = ''
  let damaged: DamagedFile[] = []
  const store = (delayMs = 10_000) =>
    new WindowStateStore({ file, delayMs, onDamaged: (damage) => damaged.push(damage) })

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rd-window-'))
    file = path.join(dir, 'window-state.json')
    damaged = []
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads back what it saved, and nothing before the first save', async () => {
    expect(await store().load()).toBeNull()
    const writer = store()
    writer.save({ bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: false })
    writer.save({ bounds: { x: 1500.4, y: -100, width: 1600.6, height: 900 }, maximized: true })
    await writer.flush()
    // Coalesced: only the last state, rounded to whole pixels.
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      version: 1,
      bounds: { x: 1500, y: -100, width: 1601, height: 900 },
      maximized: true,
    })
    expect(await store().load()).toEqual({ bounds: { x: 1500, y: -100, width: 1601, height: 900 }, maximized: true })
    expect(damaged).toEqual([])
  })

  it('writes by itself after a quiet spell', async () => {
    vi.useFakeTimers()
    try {
      const writer = store(400)
      writer.save({ bounds: { x: 1, y: 2, width: 950, height: 650 }, maximized: false })
      await vi.advanceTimersByTimeAsync(399)
      expect(await readdir(dir)).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
    } finally {
      vi.useRealTimers()
    }
    await vi.waitFor(async () =>
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ bounds: { x: 1, y: 2 } }),
    )
  })

  it('sets a damaged file aside, says where it went, and opens at the default size', async () => {
    for (const [text, problem] of [
      ['{"version":1,"bounds":', /not valid JSON/],
      ['{"version":1,"bounds":{"x":0,"y":0,"width":-5,"height":600},"maximized":false}', /at "bounds.width"/],
      ['{"version":2,"bounds":{"x":0,"y":0,"width":900,"height":600},"maximized":false}', /at "version"/],
    ] as const) {
      damaged = []
      await writeFile(file, text)
      expect(await store().load()).toBeNull()
      expect(damaged).toHaveLength(1)
      expect(damaged[0]!.problem).toMatch(problem)
      expect(damaged[0]!.message).toContain('the window opens at its default size')
      expect(await readFile(damaged[0]!.movedTo, 'utf8')).toBe(text)
      await rm(damaged[0]!.movedTo)
    }
    expect(await readdir(dir)).toEqual([])
  })

  it('does not write a state the next start would refuse', async () => {
    const errors: unknown[] = []
    const writer = new WindowStateStore({ file, onDamaged: () => {}, onError: (error) => errors.push(error) })
    writer.save({ bounds: { x: 0, y: 0, width: 0, height: 0 }, maximized: false })
    await writer.flush()
    expect(errors).toHaveLength(1)
    expect(await readdir(dir)).toEqual([])
  })
})

describe('window placement', () => {
  it('opens at the default size, centred on the primary display, the first time', () => {
    expect(placeWindow(null, [laptop, monitor], sizing)).toEqual({
      bounds: { x: 80, y: 28, width: 1280, height: 820 },
      maximized: false,
    })
  })

  it('keeps a window where it was when it fits on a display', () => {
    const saved = { bounds: { x: 1600, y: -100, width: 1800, height: 1000 }, maximized: true }
    expect(placeWindow(saved, [laptop, monitor], sizing)).toEqual(saved)
  })

  it('moves a window from a monitor that is gone back to the primary display', () => {
    const saved = { bounds: { x: 1600, y: -100, width: 1800, height: 1000 }, maximized: false }
    expect(placeWindow(saved, [laptop], sizing)).toEqual({
      bounds: { x: 80, y: 28, width: 1280, height: 820 },
      maximized: false,
    })
  })

  it('pulls a window that hangs off the edge back in, shrinking it to the display', () => {
    // Mostly on the laptop, hanging off its bottom-left and taller than it.
    const saved = { bounds: { x: -300, y: 200, width: 1200, height: 1000 }, maximized: false }
    expect(placeWindow(saved, [laptop], sizing)).toEqual({
      bounds: { x: 0, y: 0, width: 1200, height: 875 },
      maximized: false,
    })
  })

  it('treats a sliver on screen as off screen, and keeps the minimum size where there is room', () => {
    // Only 50 px of it shows at the laptop's right edge: not enough to grab it.
    const sliver = { bounds: { x: 1390, y: 100, width: 1000, height: 700 }, maximized: false }
    expect(placeWindow(sliver, [laptop], sizing).bounds).toEqual({ x: 80, y: 28, width: 1280, height: 820 })
    const tiny = { bounds: { x: 100, y: 100, width: 300, height: 200 }, maximized: false }
    expect(placeWindow(tiny, [laptop], sizing).bounds).toEqual({ x: 100, y: 100, width: 900, height: 600 })
  })

  it('puts a window across two displays on the one that shows more of it', () => {
    const across = { bounds: { x: 1000, y: 100, width: 1200, height: 800 }, maximized: false }
    // 440 px on the laptop, 760 px on the monitor: it moves onto the monitor, whole.
    expect(placeWindow(across, [laptop, monitor], sizing).bounds).toEqual({ x: 1440, y: 100, width: 1200, height: 800 })
  })

  it('needs a display', () => {
    expect(() => placeWindow(null, [], sizing)).toThrow(/at least one display/)
  })
})
