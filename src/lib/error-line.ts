/**
 * One log line for an error nobody expected: its name and message and where it was thrown
 * (the stack's first frame), with no line breaks, so a server's log stays one line per event
 * and a client never needs to see any of it.
 */

/** `TypeError: x is undefined (at handler (src/platform/routes/api.ts:12:5))`. */
export function errorLogLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).replace(/\s+/g, ' ')
  const frame = error.stack
    ?.split('\n')
    .find((line) => /^\s+at /.test(line))
    ?.trim()
  return `${error.name}: ${error.message}${frame ? ` (${frame})` : ''}`.replace(/\s+/g, ' ')
}
