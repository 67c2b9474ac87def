/**
 * Browser mode's events: every open page holds one Server-Sent Events stream, and each event
 * is written to all of them.
 *
 * The streams are capped. Every tab holds one, and a browser opens at most six connections to
 * one host over HTTP/1.1, so a person's tabs never come near {@link MAX_EVENT_STREAMS}; more
 * than that is a runaway script or a reload loop, which once held 3,000 streams open. Beyond
 * the cap the new stream is refused (429, with what to do) and the open ones stay: evicting
 * the oldest would let such a client knock a person's working tabs off one by one, and an
 * evicted tab's EventSource would reconnect and evict the next. The host has one session (one
 * token, which every tab holds), so the cap per client is the cap of the host.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { refuse } from './requests'

/** Open event streams allowed per session. */
export const MAX_EVENT_STREAMS = 8

/** A keep-alive comment this often, so proxies and sleeping laptops notice a dead stream. */
const HEARTBEAT_MS = 15_000

/** The open event streams of one host. */
export class EventStreams {
  readonly #open = new Set<ServerResponse>()

  constructor(private readonly limit = MAX_EVENT_STREAMS) {}

  /** How many streams are open. */
  get size(): number {
    return this.#open.size
  }

  /** Opens a stream on `res`, or refuses it with 429 when the cap is reached. */
  open(_req: IncomingMessage, res: ServerResponse): void {
    if (this.#open.size >= this.limit) {
      refuse(
        res,
        429,
        'too_many_streams',
        `Restore Desk is already sending live updates to ${this.limit} tabs or windows. Close the Restore Desk tabs you no longer use, then reload this one.`,
      )
      return
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    res.write(': connected\n\n')
    this.#open.add(res)
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    res.on('close', () => {
      clearInterval(heartbeat)
      this.#open.delete(res)
    })
  }

  /** Writes one event to every open stream. */
  send(channel: string, payload: unknown): void {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`
    for (const res of this.#open) if (!res.writableEnded) res.write(frame)
  }

  /** Ends every stream (the host is closing). */
  closeAll(): void {
    for (const res of this.#open) res.end()
    this.#open.clear()
  }
}
