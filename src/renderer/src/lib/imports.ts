/**
 * How the page words imports and which dropped files go into one import: at most one database
 * dump and one files archive (main imports files, then the database, in one job); every other
 * file is left out with the reason. Pure, so it is tested without a DOM.
 */
import type { DatabaseInspection, FilesInspection, ImportInspection, ImportKind } from '../../../shared/imports'
import { formatBytes } from './format'

/** An inspection that found an importable archive. */
export type ReadyImport = Extract<ImportInspection, { ok: true }>

/** What one import brings in: the archive for each kind, files first as main imports them. */
export interface ImportChoice {
  readonly files: ReadyImport | null
  readonly database: ReadyImport | null
}

/** A file the page will not import, and why: `problem` says what is wrong, `todo` what to do (when it adds anything). */
export interface LeftOut {
  readonly name: string
  readonly problem: string
  readonly todo: string | null
}

/** The kind's name in a sentence: "database", "files". */
export const KIND_NAMES: Readonly<Record<ImportKind, string>> = { database: 'database', files: 'files' }

const ONE_AT_A_TIME: Readonly<Record<ImportKind, string>> = {
  database: 'Only one database dump can be imported at a time',
  files: 'Only one files archive can be imported at a time',
}

/**
 * Puts inspected files into a choice, in the order they came: the first of each kind takes its
 * place (or keeps the one already there), each later one is left out, naming itself.
 */
export function chooseImports(
  current: ImportChoice,
  ready: readonly ReadyImport[],
): { choice: ImportChoice; leftOut: Array<LeftOut & { token: string }> } {
  const slots = { files: current.files, database: current.database }
  const leftOut: Array<LeftOut & { token: string }> = []
  for (const candidate of ready) {
    const kind = candidate.detail.kind
    if (slots[kind] === null) slots[kind] = candidate
    else
      leftOut.push({
        token: candidate.token,
        name: candidate.name,
        problem: `${ONE_AT_A_TIME[kind]}: ${candidate.name} was left out.`,
        todo: 'Import it on its own once this import has finished.',
      })
  }
  return { choice: slots, leftOut }
}

/** Whether a choice holds anything to import. */
export function isEmptyChoice(choice: ImportChoice): boolean {
  return choice.files === null && choice.database === null
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`
}

/** What an archive holds, in a phrase: "12 tables, 38.0 MiB uncompressed"; "1,204 files, 52.0 MiB". */
export function inspectionSummary(detail: DatabaseInspection | FilesInspection): string {
  if (detail.kind === 'database')
    return `${plural(detail.tables.length, 'table', 'tables')}, ${formatBytes(detail.uncompressedBytes)} uncompressed`
  return `${plural(detail.fileCount, 'file', 'files')}, ${formatBytes(detail.totalBytes)}`
}

/** "Replaces dev's database with wp-dump.sql.gz: 12 tables, 38.0 MiB uncompressed." */
export function replacesSentence(env: string, ready: ReadyImport): string {
  return `Replaces ${env}'s ${KIND_NAMES[ready.detail.kind]} with ${ready.name}: ${inspectionSummary(ready.detail)}.`
}

/** Who made a dump, when it says: "Made by mysqldump, server 8.0.36." or null. */
export function dumpOrigin(detail: DatabaseInspection): string | null {
  if (!detail.tool && !detail.serverVersion) return null
  const tool = detail.tool ? `Made by ${detail.tool}` : 'Made'
  return detail.serverVersion ? `${tool}, server ${detail.serverVersion}.` : `${tool}.`
}

/** A limit the way the platform states it: "500 MB" for round decimal figures (Pantheon's), else IEC units. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1_000_000 && bytes % 1_000_000 === 0) {
    const megabytes = bytes / 1_000_000
    return megabytes % 1000 === 0 ? `${megabytes / 1000} GB` : `${megabytes} MB`
  }
  return formatBytes(bytes)
}

/** Why a URL cannot be imported from, as the contract checks it (an http(s) URL up to 2,000 characters), or null. */
export function urlProblem(text: string): string | null {
  const value = text.trim()
  if (value === '') return 'Give the URL of a database dump or a files archive.'
  if (value.length > 2000) return 'That URL is longer than 2,000 characters: use a shorter link to the file.'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'That is not a URL: give a full link such as https://example.com/dump.sql.gz.'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'The platform fetches only http:// and https:// links: give one of those.'
  return null
}
