/**
 * The words of the archive messages: what a file that is not gzip looks like instead (zip,
 * bzip2, an HTML error page, a plain SQL dump…) and the advice that fits what the caller
 * expected inside. Guessing from a file's first bytes is the only way to say "this is a zip"
 * rather than "this is not gzip"; no library names formats for a message.
 */

/** What the caller expects inside the gzip, to give advice that fits. */
export type ExpectedContent = 'sql' | 'tar' | 'any'

const ADVICE: Record<ExpectedContent, string> = {
  sql: 'Upload a .sql.gz made with `mysqldump … | gzip`.',
  tar: 'Upload a .tar.gz made with `tar czf archive.tar.gz -C <folder> .`.',
  any: 'Make the file again with gzip.',
}

/** Advice text for the expected content, for messages built elsewhere in the archive modules. */
export function adviceFor(expected: ExpectedContent): string {
  return ADVICE[expected]
}

/** Whether `buf` holds `bytes` at offset `at`. */
export function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false
  return bytes.every((b, i) => buf[at + i] === b)
}

/** The character codes of an ASCII text, for signatures. */
export function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0))
}

function isMostlyText(buf: Uint8Array): boolean {
  if (buf.length === 0) return false
  let printable = 0
  for (const b of buf) {
    if (b === 0) return false
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127)) printable += 1
  }
  return printable / buf.length > 0.95
}

/** The first bytes of a file quoted for a message: as text when they read as text, else in hex. */
export function quoteStart(buf: Uint8Array): string {
  const head = Buffer.from(buf.subarray(0, 8))
  if (isMostlyText(head)) return `'${head.toString('latin1').replace(/[\r\n\t]/g, ' ')}'`
  return `bytes ${head.subarray(0, 4).toString('hex')}`
}

/**
 * Guesses what a file's first bytes are, for messages like "it starts with 'PK', which looks like a zip".
 * Returns a clause to follow "The file is not gzip-compressed (" and the advice to append.
 */
export function describeNonGzip(head: Uint8Array, expected: ExpectedContent): string {
  const advice = ADVICE[expected]
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return `it starts with 'PK', which looks like a zip archive). ${advice}`
  }
  if (startsWith(head, ascii('BZh'))) return `it starts with 'BZh', which looks like bzip2). ${advice}`
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return `its header is xz/LZMA). ${advice}`
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return `its header is zstd). ${advice}`
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return `its header is 7-Zip). ${advice}`
  if (startsWith(head, ascii('ustar'), 257)) {
    return `it is an uncompressed tar archive). Compress it with \`gzip\` (or make it with \`tar czf\`) and try again.`
  }
  if (startsWith(head, ascii('%PDF'))) return `it is a PDF document). ${advice}`
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return `it is a PNG image). ${advice}`
  const text = Buffer.from(head.subarray(0, 512)).toString('latin1').trimStart()
  if (isMostlyText(head)) {
    if (/^<(!doctype html|html|\?xml)/i.test(text)) {
      return `it is an HTML/XML page, often an error page saved instead of the real download). Download the archive again. ${advice}`
    }
    if (/^(--|\/\*!|CREATE |INSERT |DROP |SET |LOCK )/i.test(text)) {
      return `it is a plain, uncompressed SQL dump). Compress it first, e.g. \`gzip dump.sql\`, and upload dump.sql.gz.`
    }
    return `it is plain text starting with ${quoteStart(head)}). ${advice}`
  }
  return `it starts with ${quoteStart(head)}, which is not the gzip signature 1f8b). ${advice}`
}
