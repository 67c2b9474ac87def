/**
 * The main process's one error type, and the one place that turns anything thrown into words
 * for the page.
 *
 * Node's own errors say things like `EACCES: permission denied, open '/home/ana/…/x.part'`:
 * an errno code, a system call and a full path, which tell a person neither what happened nor
 * what to do. {@link describeSystemError} maps each code the app can meet (disk and network)
 * to a sentence that does, and {@link scrubSystemText} rewrites such fragments when another
 * message quotes them, so nothing that crosses to the page (IPC answers, browser-mode errors,
 * download and connection errors) carries them word for word.
 */
import path from 'node:path'
import type { IpcErrorShape } from '../shared/ipc'

/** An expected failure whose message is safe and useful to show the user. */
export class AppError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AppError'
    this.code = code
  }
}

interface SystemErrorText {
  /** The code the page gets. */
  readonly code: string
  /** What happened, as a phrase that fits "… failed: <what>" and stands alone in brackets. */
  readonly what: string
  /** What to do next, one sentence. */
  readonly todo: string
}

const DISK_FULL: SystemErrorText = {
  code: 'disk_full',
  what: 'the disk is full',
  todo: 'Free some space on that drive, or choose a folder on another drive, and try again.',
}
const NOT_ALLOWED: SystemErrorText = {
  code: 'not_allowed',
  what: 'permission was denied',
  todo: "Check the folder's permissions (Restore Desk must be able to write there), or choose another folder, and try again.",
}
const TOO_MANY_FILES: SystemErrorText = {
  code: 'too_many_files',
  what: 'too many files are open at once',
  todo: 'Wait a moment or close other programs, then try again.',
}
const NO_ROUTE: SystemErrorText = {
  code: 'network',
  what: 'the network cannot reach that host',
  todo: 'Check your network connection (and VPN or proxy, if any), then try again.',
}

/** Node and undici error codes the app explains; anything else gets a general sentence. */
const SYSTEM_ERRORS: Readonly<Record<string, SystemErrorText>> = {
  EACCES: NOT_ALLOWED,
  EPERM: { ...NOT_ALLOWED, what: 'the operating system did not allow it' },
  ENOENT: {
    code: 'not_found',
    what: 'a file or folder it needs does not exist',
    todo: 'Check that the folder still exists (and its drive is connected), or choose another one, and try again.',
  },
  ENOSPC: DISK_FULL,
  EDQUOT: { ...DISK_FULL, what: 'your disk quota is used up' },
  EFBIG: { ...DISK_FULL, what: 'the file is too large for that drive' },
  EROFS: {
    code: 'read_only',
    what: 'the drive is read-only',
    todo: 'Choose a folder on a drive you can write to, and try again.',
  },
  EEXIST: {
    code: 'already_exists',
    what: 'something with that name is already there',
    todo: 'Move or rename what is in the way, or choose another folder, and try again.',
  },
  EISDIR: {
    code: 'is_folder',
    what: 'a folder is where a file should be',
    todo: 'Move or rename that folder, or choose another place, and try again.',
  },
  ENOTDIR: {
    code: 'not_folder',
    what: 'a file is where a folder should be',
    todo: 'Check the folder you chose (a part of its path is a file), or choose another one.',
  },
  ENOTEMPTY: {
    code: 'not_empty',
    what: 'a folder that should be empty is not',
    todo: 'Empty or remove that folder, or choose another one, and try again.',
  },
  ENAMETOOLONG: {
    code: 'name_too_long',
    what: 'the path is too long for the file system',
    todo: 'Choose a folder with a shorter path, and try again.',
  },
  EBUSY: {
    code: 'busy',
    what: 'the file is in use by another program',
    todo: 'Close the program that uses it, then try again.',
  },
  EIO: {
    code: 'disk_error',
    what: 'the drive reported a read or write error',
    todo: 'Check the drive (and its cable, if it is external), then try again.',
  },
  EMFILE: TOO_MANY_FILES,
  ENFILE: TOO_MANY_FILES,
  ECONNREFUSED: {
    code: 'network',
    what: 'nothing is answering at that address',
    todo: 'Check the address and port, and that the server is running, then try again.',
  },
  ECONNRESET: {
    code: 'network',
    what: 'the connection was cut off',
    todo: 'Try again; if it keeps happening, check your network connection.',
  },
  ECONNABORTED: {
    code: 'network',
    what: 'the connection was aborted',
    todo: 'Try again; if it keeps happening, check your network connection.',
  },
  EPIPE: {
    code: 'network',
    what: 'the other side closed the connection',
    todo: 'Try again; if it keeps happening, check that the server is running.',
  },
  ETIMEDOUT: {
    code: 'network',
    what: 'the connection timed out',
    todo: 'Check your network connection and that the server is up, then try again.',
  },
  UND_ERR_CONNECT_TIMEOUT: {
    code: 'network',
    what: 'the connection timed out',
    todo: 'Check your network connection and that the server is up, then try again.',
  },
  UND_ERR_SOCKET: {
    code: 'network',
    what: 'the connection broke',
    todo: 'Try again; if it keeps happening, check your network connection.',
  },
  ENOTFOUND: {
    code: 'network',
    what: 'that host name does not exist (DNS found nothing)',
    todo: 'Check the address for typos, and your network connection, then try again.',
  },
  EAI_AGAIN: {
    code: 'network',
    what: 'the host name could not be looked up just now (DNS)',
    todo: 'Check your network connection, then try again.',
  },
  EHOSTUNREACH: NO_ROUTE,
  ENETUNREACH: NO_ROUTE,
  ENETDOWN: { ...NO_ROUTE, what: 'the network is down' },
}

const GENERAL_SYSTEM_ERROR: SystemErrorText = {
  code: 'system_error',
  what: 'the operating system reported an error',
  todo: 'Try again; if it keeps happening, restart Restore Desk.',
}

/** The page's wording for a system error code (`EACCES`, `ECONNREFUSED`, …). */
export function systemErrorText(code: string): SystemErrorText {
  return Object.hasOwn(SYSTEM_ERRORS, code) ? SYSTEM_ERRORS[code]! : GENERAL_SYSTEM_ERROR
}

/** What happened for a system error code, as a short phrase ("permission was denied"). */
export function systemErrorPhrase(code: string): string {
  return systemErrorText(code).what
}

// Node's system errors (`EACCES`, `EAI_AGAIN`) and undici's socket errors; not Node's own `ERR_…` codes.
const SYSTEM_CODE = /^(E(?!RR_)[A-Z0-9_]{2,}|UND_ERR_[A-Z_]+)$/

/** The code of a Node system error (`error.code` like `EACCES`, also on `cause`), or undefined. */
export function systemErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && SYSTEM_CODE.test(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** The folder an error's path points into: the path itself when it is one, else its parent. */
function folderOf(error: unknown): string | undefined {
  const file = (error as { path?: unknown } | null)?.path
  if (typeof file !== 'string' || file === '') return undefined
  const code = systemErrorCode(error)
  return code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' ? file : path.dirname(file)
}

/**
 * A system error as the page shows it: what happened (with the folder it happened in, when
 * the error names one) and what to do, without the errno code, the system call or a stack.
 */
export function describeSystemError(error: unknown): IpcErrorShape {
  const text = systemErrorText(systemErrorCode(error) ?? '')
  const folder = folderOf(error)
  const where = folder ? ` (in ${folder})` : ''
  const what = text.what.charAt(0).toUpperCase() + text.what.slice(1)
  return { code: text.code, message: `${what}${where}. ${text.todo}` }
}

// `EACCES: permission denied, open '/x'` and `… rename '/a' -> '/b'`: Node's message for a system error.
const NODE_SYSTEM_MESSAGE = /\b([A-Z][A-Z0-9_]{2,}): [a-z][^,\n]*?, [a-z_]+(?: '[^'\n]*')?(?: -> '[^'\n]*')?/g
// `connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND host`, `read ECONNRESET`.
const NODE_NETWORK_MESSAGE =
  /\b(?:connect|getaddrinfo|read|write|listen|bind|spawn \S+) (E[A-Z0-9_]{2,})(?: [^\s,;)]+)?/g
// What is left: a bare known code, with the colon that may follow it.
const BARE_CODE = /\b(E[A-Z0-9]{2,}|UND_ERR_[A-Z_]+)\b(?::\s*)?/g

/**
 * Rewrites the fragments of Node error text inside a message (an errno code, a system call,
 * a quoted path) into the phrase of {@link systemErrorPhrase}, leaving the rest as written.
 */
export function scrubSystemText(text: string): string {
  const known = (code: string): boolean => Object.hasOwn(SYSTEM_ERRORS, code)
  return text
    .replace(NODE_SYSTEM_MESSAGE, (whole, code: string) => (known(code) ? systemErrorPhrase(code) : whole))
    .replace(NODE_NETWORK_MESSAGE, (whole, code: string) => (known(code) ? systemErrorPhrase(code) : whole))
    .replace(BARE_CODE, (whole, code: string, offset: number, all: string) => {
      if (!known(code)) return whole
      const phrase = systemErrorPhrase(code)
      // "(EACCES: permission was denied)" keeps one phrase, not two.
      return all.startsWith(phrase, offset + whole.length) ? '' : whole.endsWith(' ') ? `${phrase}: ` : phrase
    })
}

/**
 * The code an error of the app's own kinds carries (the API client's PlatformApiError, download
 * failures: lower-case words, with a message written for people), or undefined.
 */
function ownCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return error instanceof Error && typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code) ? code : undefined
}

/** Turns any thrown value into the shape that crosses IPC. */
export function toErrorShape(error: unknown): IpcErrorShape {
  if (error instanceof AppError) return { code: error.code, message: scrubSystemText(error.message) }
  const own = ownCode(error)
  if (own !== undefined) return { code: own, message: scrubSystemText((error as Error).message) }
  if (systemErrorCode(error) !== undefined) return describeSystemError(error)
  const message = scrubSystemText(error instanceof Error ? error.message : String(error))
  return {
    code: 'internal',
    message: `Something went wrong inside Restore Desk: ${message}. Try again; if it keeps happening, restart the app.`,
  }
}

/**
 * A value carrying an error to the page (a download item): the same value, its error's message
 * scrubbed of Node text. The download manager words its own failures; this is the boundary's
 * guarantee for anything it quotes.
 */
export function withPageSafeError<T extends { readonly error: IpcErrorShape | null }>(item: T): T {
  if (item.error === null) return item
  const message = scrubSystemText(item.error.message)
  return message === item.error.message ? item : { ...item, error: { ...item.error, message } }
}
