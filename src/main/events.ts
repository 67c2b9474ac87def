/** Main → page events: one hub that the Electron window and browser mode's SSE clients both listen to. */
import type { EventChannel, EventPayload } from '../shared/ipc'

export type EventListener = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void

/** Fans events out to every connected page. */
export class EventHub {
  readonly #listeners = new Set<EventListener>()

  /** Sends an event to every subscriber. */
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    for (const listener of this.#listeners) listener(channel, payload)
  }

  /** Adds a subscriber; returns its unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
