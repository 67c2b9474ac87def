/**
 * Whether the active platform answers. The connection manager only knows that a connection was
 * set up ("ready"); a platform that stops answering afterwards would still be called connected.
 * This monitor asks the active platform a cheap question every few seconds (and at once when a
 * real call failed for want of an answer), shows "unreachable" with a notice the first time it
 * does not answer, and goes back to the manager's state, removing the notice, once it answers.
 *
 * Its words are its own: the client's network messages name the API path and the host, and the
 * page's notice should say what happened and what to do, not which URL or user id was asked.
 */
import type { PlatformConnectionInfo } from '../../shared/app'
import { PlatformApiError } from '../api/api-error'

/** The question asked: any call that needs an answer from the platform. */
export type HealthProbe = (signal: AbortSignal) => Promise<unknown>

export interface HealthMonitorOptions {
  /** The manager's view of the active connection. */
  readonly active: () => PlatformConnectionInfo
  /** A probe of the connection with this id. */
  readonly probe: (connectionId: string) => Promise<HealthProbe>
  /** Shows the state the page should see. */
  readonly publish: (info: PlatformConnectionInfo) => void
  readonly addNotice: (message: string) => { readonly id: string }
  readonly dismissNotice: (id: string) => void
  /** Between probes (default 12 s). */
  readonly intervalMs?: number
  /** How long a probe may wait for its answer (default 8 s). */
  readonly timeoutMs?: number
  readonly log?: (line: string) => void
}

/** Whether an error means the platform did not answer (as opposed to answering "no"). */
export function isUnreachableError(error: unknown): error is PlatformApiError {
  if (!(error instanceof PlatformApiError)) return false
  return error.status === null || error.status === 502 || error.status === 503 || error.status === 504
}

/** One sentence on why, without paths, hosts or ids. */
function reasonOf(error: unknown): string {
  if (error instanceof PlatformApiError && error.status !== null) return `it answers with HTTP ${error.status}`
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'it did not answer in time'
  if (error instanceof PlatformApiError && error.detail && /timed? ?out|did not answer/i.test(error.detail))
    return 'it did not answer in time'
  return 'no answer'
}

/** Probes the active platform and overlays "unreachable" on the manager's state while it does not answer. */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions
  readonly #intervalMs: number
  readonly #timeoutMs: number
  #timer: ReturnType<typeof setTimeout> | null = null
  /** The connection that did not answer, and its notice (null once dismissed by the person). */
  #down: { connectionId: string; error: string; noticeId: string | null } | null = null
  #probing: Promise<void> | null = null
  #closed = false

  constructor(options: HealthMonitorOptions) {
    this.#options = options
    this.#intervalMs = options.intervalMs ?? 12_000
    this.#timeoutMs = options.timeoutMs ?? 8_000
  }

  /** Starts the regular probes. */
  start(): void {
    this.#schedule()
  }

  /** The manager's state with "unreachable" over it while the active platform does not answer. */
  view(info: PlatformConnectionInfo): PlatformConnectionInfo {
    const down = this.#down
    if (!down || down.connectionId !== info.id || info.status !== 'ready') return info
    return { ...info, status: 'unreachable', error: down.error }
  }

  /** The manager's state changed (another connection, the embedded platform started): show it. */
  announce(info: PlatformConnectionInfo): void {
    if (this.#down && this.#down.connectionId !== info.id) this.#recovered()
    this.#options.publish(this.view(info))
  }

  /** A real call failed; when it was for want of an answer, ask again now rather than at the next tick. */
  reportFailure(error: unknown): void {
    if (isUnreachableError(error)) void this.check()
  }

  /** Probes the active platform once (one probe at a time). */
  check(): Promise<void> {
    this.#probing ??= this.#probeOnce().finally(() => {
      this.#probing = null
    })
    return this.#probing
  }

  /** Stops probing. */
  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      void this.check().finally(() => this.#schedule())
    }, this.#intervalMs)
    this.#timer.unref?.()
  }

  async #probeOnce(): Promise<void> {
    const info = this.#options.active()
    // Only a connection that was set up can be unreachable; starting and failed ones say so themselves.
    if (info.status !== 'ready' || this.#closed) return
    try {
      const probe = await this.#options.probe(info.id)
      await probe(AbortSignal.timeout(this.#timeoutMs))
      if (this.#options.active().id !== info.id) return
      if (this.#down) {
        this.#options.log?.(`[health] ${info.label} answers again`)
        this.#recovered()
        this.#options.publish(this.view(this.#options.active()))
      }
    } catch (error) {
      if (this.#closed || this.#options.active().id !== info.id) return
      // A refusal (bad token, forbidden) is an answer: the platform is there; the call that got it says why.
      if (!isUnreachableError(error) && !(error instanceof Error && error.name === 'TimeoutError')) return
      this.#markDown(info, reasonOf(error))
    }
  }

  #markDown(info: PlatformConnectionInfo, reason: string): void {
    const error = `${info.label} does not answer (${reason}).`
    if (this.#down?.connectionId === info.id) {
      this.#down.error = error
    } else {
      this.#options.log?.(`[health] ${info.label} does not answer: ${reason}`)
      const notice = this.#options.addNotice(
        `${error} Check that it is running and that this computer is online; Restore Desk keeps asking every ` +
          `${Math.round(this.#intervalMs / 1000)} seconds and shows "Connected" again as soon as it answers.`,
      )
      this.#down = { connectionId: info.id, error, noticeId: notice.id }
    }
    this.#options.publish(this.view(this.#options.active()))
  }

  #recovered(): void {
    const down = this.#down
    this.#down = null
    if (down?.noticeId) this.#options.dismissNotice(down.noticeId)
  }
}
