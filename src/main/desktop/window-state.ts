/**
 * The main window's size and place, remembered in `<data>/window-state.json` so the app opens
 * where it was left. The file is checked with its schema when read; a damaged one is set aside
 * and reported, and the window opens at its default size. What was saved is placed on the
 * displays there are now: a window left on a monitor that is gone, or larger than the screen it
 * lands on, is moved and shrunk to fit rather than opened out of sight.
 *
 * Saves are coalesced (moving a window sends many events) and written atomically; `flush`
 * writes the last one before the app quits.
 */
import path from 'node:path'
import { mkdir } from 'node:fs/promises'
import { z } from 'zod'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState, type DamagedFile } from '../../lib/saved-state'

/** A rectangle in screen coordinates (DIP), as Electron's `Rectangle`. */
export interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** What is remembered: the window's normal (not maximized) bounds and whether it was maximized. */
export interface WindowState {
  readonly bounds: Rect
  readonly maximized: boolean
}

/** The window's own limits. */
export interface WindowSizing {
  readonly width: number
  readonly height: number
  readonly minWidth: number
  readonly minHeight: number
}

/** Where the window opens. */
export interface WindowPlacement {
  readonly bounds: Rect
  readonly maximized: boolean
}

const SIZE_LIMIT = 100_000
const coordinate = z.number().int().min(-SIZE_LIMIT).max(SIZE_LIMIT)
const extent = z.number().int().min(1).max(SIZE_LIMIT)

const fileSchema = z
  .object({
    version: z.literal(1),
    bounds: z.object({ x: coordinate, y: coordinate, width: extent, height: extent }).strict(),
    maximized: z.boolean(),
  })
  .strict()

/** How much of a window must lie on a display for it to stay there: enough to grab and move it. */
const MIN_VISIBLE = { width: 120, height: 60 }

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high))
}

/** `bounds` moved (and shrunk where needed) to lie wholly inside `area`. */
function fitInto(bounds: Rect, area: Rect, sizing: WindowSizing): Rect {
  const width = Math.min(Math.max(bounds.width, sizing.minWidth), area.width)
  const height = Math.min(Math.max(bounds.height, sizing.minHeight), area.height)
  return {
    x: clamp(bounds.x, area.x, area.x + area.width - width),
    y: clamp(bounds.y, area.y, area.y + area.height - height),
    width,
    height,
  }
}

/** The default size, centred in `area`. */
function centred(area: Rect, sizing: WindowSizing): Rect {
  const width = Math.min(sizing.width, area.width)
  const height = Math.min(sizing.height, area.height)
  return {
    x: area.x + Math.round((area.width - width) / 2),
    y: area.y + Math.round((area.height - height) / 2),
    width,
    height,
  }
}

/**
 * Where the window opens, given what was saved (or null) and the work areas of the displays now
 * attached, the primary first. It stays on the display it overlaps most, if enough of it shows
 * there; otherwise it opens centred on the primary display at its default size.
 */
export function placeWindow(
  saved: WindowState | null,
  workAreas: readonly Rect[],
  sizing: WindowSizing,
): WindowPlacement {
  const [primary] = workAreas
  if (!primary) throw new Error('placeWindow needs at least one display work area.')
  if (!saved) return { bounds: centred(primary, sizing), maximized: false }
  let best: { area: Rect; size: number } | null = null
  for (const area of workAreas) {
    const shown = overlap(saved.bounds, area)
    if (shown.width < MIN_VISIBLE.width || shown.height < MIN_VISIBLE.height) continue
    const size = shown.width * shown.height
    if (!best || size > best.size) best = { area, size }
  }
  return best
    ? { bounds: fitInto(saved.bounds, best.area, sizing), maximized: saved.maximized }
    : { bounds: centred(primary, sizing), maximized: saved.maximized }
}

export interface WindowStateStoreOptions {
  /** `<data>/window-state.json` */
  readonly file: string
  readonly onDamaged: (damage: DamagedFile) => void
  /** How long to wait for more changes before writing (ms; default 400). */
  readonly delayMs?: number
  /** Told when a write fails (the window still works; its place is not remembered). */
  readonly onError?: (error: unknown) => void
}

/** Reads the saved state once and writes changes, coalesced. */
export class WindowStateStore {
  readonly #options: WindowStateStoreOptions
  #pending: WindowState | null = null
  #timer: ReturnType<typeof setTimeout> | null = null
  #writing: Promise<void> = Promise.resolve()

  constructor(options: WindowStateStoreOptions) {
    this.#options = options
  }

  /** The saved state, or null when there is none or it was damaged (then set aside and reported). */
  async load(): Promise<WindowState | null> {
    const saved = await readSavedState(this.#options.file, fileSchema, {
      what: 'The saved window size and place',
      startsWith: 'the window opens at its default size',
      report: this.#options.onDamaged,
    })
    return saved ? { bounds: saved.bounds, maximized: saved.maximized } : null
  }

  /** Remembers `state`; it is written after a short quiet spell, or by `flush`. */
  save(state: WindowState): void {
    this.#pending = state
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.flush(), this.#options.delayMs ?? 400)
  }

  /** Writes what is pending now; resolves when every write so far is on disk. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const state = this.#pending
    this.#pending = null
    if (state) this.#writing = this.#writing.then(() => this.#write(state))
    return this.#writing
  }

  async #write(state: WindowState): Promise<void> {
    const bounds = {
      x: Math.round(state.bounds.x),
      y: Math.round(state.bounds.y),
      width: Math.round(state.bounds.width),
      height: Math.round(state.bounds.height),
    }
    try {
      // Never writes what the next start would refuse (a minimized window can report odd bounds).
      const body = fileSchema.parse({ version: 1, bounds, maximized: state.maximized })
      await mkdir(path.dirname(this.#options.file), { recursive: true })
      await writeFileAtomic(this.#options.file, `${JSON.stringify(body, null, 2)}\n`)
    } catch (error) {
      this.#options.onError?.(error)
    }
  }
}
