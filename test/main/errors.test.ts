/**
 * The one mapper from thrown values to the page's words: Node's system errors (errno code,
 * system call, full path) never reach the page as they are.
 */
import { describe, expect, it } from 'vitest'
import { AppError, describeSystemError, scrubSystemText, toErrorShape, withPageSafeError } from '../../src/main/errors'

/** A Node system error as fs and net make them. */
function systemError(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `${code}: ${code === 'EACCES' ? 'permission denied' : 'failed'}, ${syscall}${file ? ` '${file}'` : ''}`,
  )
  error.code = code
  error.syscall = syscall
  error.errno = -13
  if (file) error.path = file
  return error
}

/** What no message for the page may contain: errno codes, system calls with paths, stacks. */
function expectPageSafe(message: string): void {
  expect(message).not.toMatch(/\bE[A-Z]{3,}\b/)
  expect(message).not.toMatch(/\b(open|mkdir|rename|connect|getaddrinfo) '/)
  expect(message).not.toMatch(/\n\s+at /)
}

const CODES = [
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOSPC',
  'EROFS',
  'EEXIST',
  'EISDIR',
  'ENOTDIR',
  'EMFILE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]

describe('system errors', () => {
  it.each(CODES)('%s becomes what happened and what to do, without the errno text', (code) => {
    const shape = toErrorShape(systemError(code, 'open', '/home/ana/Downloads/site/x.tar.gz.part'))
    expectPageSafe(shape.message)
    expect(shape.code).not.toBe(code)
    expect(shape.code).toMatch(/^[a-z_]+$/)
    // A sentence saying what happened, then one saying what to do.
    expect(shape.message).toMatch(/^[A-Z].*\. (Check|Choose|Close|Empty|Free|Move|Try|Wait) [^]*\.$/)
  })

  it('names the folder the error happened in, not the file, the call or the code', () => {
    const shape = describeSystemError(systemError('EACCES', 'open', '/home/ana/Downloads/site/x.tar.gz.part'))
    expect(shape).toEqual({
      code: 'not_allowed',
      message: expect.stringMatching(/^Permission was denied \(in \/home\/ana\/Downloads\/site\)\. Check the folder/),
    })
    expect(shape.message).not.toContain('x.tar.gz.part')
  })

  it("maps a fetch failure by its cause's code", () => {
    const shape = toErrorShape(new TypeError('fetch failed', { cause: systemError('ECONNREFUSED', 'connect') }))
    expect(shape.code).toBe('network')
    expect(shape.message).toMatch(/^Nothing is answering at that address\. Check the address/)
  })

  it("keeps the app's own errors and their codes, scrubbing any Node text they quote", () => {
    expect(toErrorShape(new AppError('folder_missing', 'The folder /x is gone. Put it back.'))).toEqual({
      code: 'folder_missing',
      message: 'The folder /x is gone. Put it back.',
    })
    const quoted = toErrorShape(
      new AppError('disk_error', "Writing to /x failed (EIO: EIO: i/o error, write '/x/a.part'). Press Retry."),
    )
    expect(quoted.code).toBe('disk_error')
    expect(quoted.message).toBe('Writing to /x failed (the drive reported a read or write error). Press Retry.')
  })

  it("does not take Node's programming-error codes (ERR_…) for system errors or show them", () => {
    const error = Object.assign(new TypeError('The "path" argument must be of type string'), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    const shape = toErrorShape(error)
    expect(shape.code).toBe('internal')
    expect(shape.message).toMatch(/^Something went wrong inside Restore Desk/)
  })
})

describe('scrubbing quoted Node error text', () => {
  it.each([
    ["EACCES: permission denied, open '/home/ana/x'", 'permission was denied'],
    ["ENOENT: no such file or directory, rename '/a/b' -> '/a/c'", 'a file or folder it needs does not exist'],
    ['connect ECONNREFUSED 127.0.0.1:9', 'nothing is answering at that address'],
    ['getaddrinfo ENOTFOUND example.invalid', 'that host name does not exist (DNS found nothing)'],
    ['not allowed to write to /x (EROFS).', 'not allowed to write to /x (the drive is read-only).'],
  ])('%s', (raw, scrubbed) => {
    expect(scrubSystemText(raw)).toBe(scrubbed)
  })

  it('leaves text without Node errors alone', () => {
    const text = 'The platform refused POST /api/x (HTTP 400): EXPORT is not a type.'
    expect(scrubSystemText(text)).toBe(text)
  })
})

describe('items that carry an error to the page', () => {
  it("get the error's Node text scrubbed and keep everything else", () => {
    const item = {
      id: 'd1',
      error: { code: 'disk_error', message: "Writing to /x failed (EIO: EIO: i/o error, write '/x/a.part')." },
    }
    expect(withPageSafeError(item)).toEqual({
      id: 'd1',
      error: { code: 'disk_error', message: 'Writing to /x failed (the drive reported a read or write error).' },
    })
    const fine = { id: 'd2', error: null }
    expect(withPageSafeError(fine)).toBe(fine)
  })
})
