/** A tiny method + path-pattern router (the platform uses node:http and no framework). */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from '../http'

/** What a route handler receives. */
export interface RouteContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly path: string
}

/** A route handler; it writes the reply itself or returns a JSON body (200). */
export type RouteHandler = (ctx: RouteContext) => Promise<unknown>

interface Route {
  readonly methods: readonly string[]
  readonly pattern: RegExp
  readonly handler: RouteHandler
}

/** Routes matched in the order they were added. */
export class Router {
  private readonly routes: Route[] = []

  /** Adds a route; `:name` segments capture one path segment. */
  add(methods: string | readonly string[], path: string, handler: RouteHandler): this {
    const source = path
      .split('/')
      .map((segment) =>
        segment.startsWith(':') ? `(?<${segment.slice(1)}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')
    this.routes.push({
      methods: typeof methods === 'string' ? [methods] : methods,
      pattern: new RegExp(`^${source}/?$`),
      handler,
    })
    return this
  }

  /** Finds the handler for a request: a route, `'method'` (path known, wrong method) or undefined. */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false
    for (const route of this.routes) {
      const found = route.pattern.exec(path)
      if (!found) continue
      pathMatched = true
      if (!route.methods.includes(method)) continue
      const params: Record<string, string> = {}
      for (const [key, value] of Object.entries(found.groups ?? {})) params[key] = decodePathSegment(value)
      return { handler: route.handler, params }
    }
    return pathMatched ? 'method' : undefined
  }
}

/**
 * One path segment, percent-decoded. A malformed escape (`%E0%A4%A`, a lone `%`) is the
 * client's mistake: a 400 that says so, not a URIError that becomes a 500.
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError(
      400,
      `The path segment "${segment}" has a malformed %-escape; percent-encode it again (encodeURIComponent) and retry.`,
    )
  }
}
