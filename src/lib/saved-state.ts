/**
 * Reading saved state back: every JSON file the app or the platform wrote is parsed with a
 * schema when it is read, never cast. A file that is not valid JSON or not in the expected
 * shape is damaged; it is moved aside to `<name>.damaged-<time>` (never over an earlier copy),
 * a message says which file, what was wrong and where the copy went, and the caller starts
 * clean, so a damaged file is neither trusted nor silently overwritten by the next save.
 */
import { link, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { z } from 'zod'
import { exists, fsyncDir } from './atomic'

/** What became of a damaged file. */
export interface DamagedFile {
  readonly file: string
  /** Where the damaged file now is. */
  readonly movedTo: string
  /** What was wrong, short: `not valid JSON (…)` or `at "sites.0.id": expected string, received number`. */
  readonly problem: string
  /** One message for a person: which file, what was wrong, where the copy is, what happens now. */
  readonly message: string
}

/** How to read one saved file and how to tell someone when it is damaged. */
export interface SavedStateOptions {
  /** What the file holds, as a sentence subject: "The saved connections", "The platform's state". */
  readonly what: string
  /** What happens instead, e.g. "Restore Desk starts with the embedded platform only". */
  readonly startsWith: string
  /** Told about a damaged file (logged by the caller; the app may also show it). */
  readonly report: (damage: DamagedFile) => void
}

/** The first schema issue, short: where it is and what zod said about it. */
export function describeIssue(error: z.ZodError): string {
  const [issue] = error.issues
  if (!issue) return 'not in the expected shape'
  const where = issue.path.length > 0 ? `at "${issue.path.map(String).join('.')}": ` : ''
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''
  return `${where}${issue.message}${more}`
}

function stamp(now: Date): string {
  // Colons are not allowed in Windows file names.
  return now.toISOString().replaceAll(':', '-')
}

/**
 * Moves `file` to a new `<file>.damaged-<time>[-n]` name and returns that name. A hard link
 * claims the new name atomically and fails rather than replace an earlier copy; where the file
 * system has no hard links, a rename to a name checked free is the fallback (the data folder's
 * lock keeps other writers away).
 */
export async function moveAside(file: string, now = new Date()): Promise<string> {
  const base = `${file}.damaged-${stamp(now)}`
  for (let attempt = 1; ; attempt += 1) {
    const target = attempt === 1 ? base : `${base}-${attempt}`
    let linked = false
    try {
      await link(file, target)
      linked = true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') continue
      if (code === 'ENOENT') throw error
      if (await exists(target)) continue
    }
    if (linked) await rm(file, { force: true })
    else await rename(file, target)
    await fsyncDir(path.dirname(file))
    return target
  }
}

/** Parses `text` as JSON and checks it against `schema`, or says what is wrong. */
function parseChecked<S extends z.ZodType>(
  text: string,
  schema: S,
): { readonly ok: true; readonly value: z.output<S> } | { readonly ok: false; readonly problem: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` }
  }
  const result = schema.safeParse(json)
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssue(result.error) }
}

/**
 * Reads `file` and validates it with `schema`. Returns the parsed value, or `undefined` when the
 * file does not exist or was damaged (then it has been moved aside and `report` was called).
 * Other read errors (permissions, a folder in its place) are thrown with the file named.
 */
export async function readSavedState<S extends z.ZodType>(
  file: string,
  schema: S,
  options: SavedStateOptions,
): Promise<z.output<S> | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // ENOTDIR: a file stands where a folder of the path should be, so this file is not there either.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new Error(
      `Could not read ${file}: ${(error as Error).message}. Check that the file is readable by this user account.`,
      { cause: error },
    )
  }
  const checked = parseChecked(text, schema)
  if (checked.ok) return checked.value
  const { problem } = checked
  const movedTo = await moveAside(file)
  options.report({
    file,
    movedTo,
    problem,
    message:
      `${options.what} in ${file} could not be used: ${problem}. The file was moved to ${movedTo} ` +
      `and ${options.startsWith}. Keep that copy to look into it or recover from it, or delete it.`,
  })
  return undefined
}
