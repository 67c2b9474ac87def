/**
 * The steps that restores, imports, clones and deploys are built from: resolving a backup key,
 * checking an archive and swapping it in, downloading an import, cloning content between
 * environments. Each builds in scratch space and swaps in only what passed its checks.
 */
import { createWriteStream } from 'node:fs'
import { copyFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { pipeline } from 'node:stream/promises'
import { ArchiveError, checkSqlGz, extractTarGzSafe, inspectTarGz } from '../../lib/archives'
import { formatBytes } from '../../lib/format-bytes'
import { findBackup, type BackupElement } from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { HttpError } from '../http'
import { isSafeName } from '../storage/layout'
import { removeQuietly } from '../../lib/atomic'
import { WorkflowFailure, type WorkflowRun } from './queue'

export function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true'
}

/** Refuses a start when `check` throws a WorkflowFailure: that reason, as a 400. */
export function refuseAtStart(check: () => unknown): void {
  try {
    check()
  } catch (error) {
    if (error instanceof WorkflowFailure) throw new HttpError(400, error.message)
    throw error
  }
}

export function archiveReason(what: string, error: unknown): never {
  if (error instanceof ArchiveError) throw new WorkflowFailure(`The ${what} was refused: ${error.message}`)
  throw error
}

/** Resolves a restore key `{site_id}/{env}/{folder}/{filename}` to a live backup archive. */
export async function resolveBackupKey(
  platform: PlatformContext,
  siteId: string,
  key: unknown,
  element: BackupElement,
) {
  const advice =
    'Pick a backup from the environment\'s backups catalog and use its "{site_id}/{env}/{folder}/{filename}" key.'
  if (typeof key !== 'string' || key === '') throw new WorkflowFailure(`No backup key was given. ${advice}`)
  const parts = key.split('/')
  const [keySite, env, folder, filename] = parts
  if (parts.length !== 4 || !keySite || !env || !folder || !filename || !parts.every(isSafeName)) {
    throw new WorkflowFailure(
      `The backup key "${key}" is not of the form {site_id}/{env}/{folder}/{filename}. ${advice}`,
    )
  }
  if (keySite !== siteId)
    throw new WorkflowFailure(
      `The backup "${key}" belongs to another site; restore only this site's backups. ${advice}`,
    )
  if (!platform.findEnvironment(siteId, env))
    throw new WorkflowFailure(`The backup "${key}" names an environment "${env}" this site does not have. ${advice}`)
  const backup = await findBackup(platform.layout, siteId, env, folder, undefined, platform.log)
  const archive = backup?.elements[element]
  if (!backup || !archive || archive.filename !== filename) {
    throw new WorkflowFailure(
      `No ${element} backup "${filename}" exists in ${env}/${folder} (it may have expired). ${advice}`,
    )
  }
  return { backup, env, file: join(platform.layout.backupDir(siteId, env, folder), filename) }
}

export function otherEnvironment(
  platform: PlatformContext,
  siteId: string,
  env: string,
  from: unknown,
  what: string,
): string {
  if (typeof from !== 'string' || from === '')
    throw new WorkflowFailure(
      `No source environment was given for ${what}; set params.from_environment to dev, test or live.`,
    )
  if (from === env)
    throw new WorkflowFailure(`Cannot ${what} from "${env}" into itself; pick another source environment.`)
  if (!platform.findEnvironment(siteId, from))
    throw new WorkflowFailure(`The source environment "${from}" does not exist on this site; use dev, test or live.`)
  return from
}

export async function cloneFiles(run: WorkflowRun, from: string, step: number): Promise<void> {
  const { workflow, platform } = run
  await run.progress(step, `Copying files from "${from}" to "${workflow.environment}"`)
  await platform.content.replaceFilesWithCopy(
    workflow.site_id,
    workflow.environment,
    await platform.content.currentFilesDir(workflow.site_id, from),
  )
}

/** Checks a gzipped dump in scratch space and swaps it in as the database. */
export async function installDatabase(run: WorkflowRun, file: string, what: string, keepFile: boolean): Promise<void> {
  const { workflow, platform } = run
  const scratch = platform.content.scratchPath(workflow.site_id, workflow.environment, 'db')
  try {
    if (keepFile) await copyFile(file, scratch)
    else await rename(file, scratch)
    await checkSqlGz(scratch, { maxUncompressedBytes: platform.options.uploadLimitBytes * 16 }).catch(
      (error: unknown) => archiveReason(what, error),
    )
    await platform.content.swapDatabase(workflow.site_id, workflow.environment, scratch)
  } finally {
    await removeQuietly(scratch)
  }
}

/** Extracts a files archive safely into a new files folder and swaps it in. */
export async function installFiles(run: WorkflowRun, file: string, what: string): Promise<void> {
  const { workflow, platform } = run
  const limit = { maxUncompressedBytes: platform.options.uploadLimitBytes * 16 }
  const summary = await inspectTarGz(file, limit).catch((error: unknown) => archiveReason(what, error))
  const dir = join(
    platform.layout.envDir(workflow.site_id, workflow.environment),
    `files-new-${workflow.id.slice(0, 8)}-${Date.now().toString(36)}`,
  )
  try {
    const strip = summary.topFolders.length === 1 && summary.files + summary.dirs > 0
    await extractTarGzSafe(file, dir, { ...limit, stripTopFolder: strip })
      .catch(async (error: unknown) => {
        if (strip && error instanceof ArchiveError && error.code === 'bad_tar') {
          // Files beside the single top folder: keep the archive's layout as it is.
          await removeQuietly(dir)
          return extractTarGzSafe(file, dir, limit)
        }
        return archiveReason(what, error)
      })
      .catch((error: unknown) => archiveReason(what, error))
    await platform.content.swapFiles(workflow.site_id, workflow.environment, dir)
  } catch (error) {
    await removeQuietly(dir)
    throw error
  }
}

/**
 * What a refusal's body says, briefly: the platform's JSON string, S3's XML `<Message>`, or
 * short plain text; '' when it says nothing readable.
 */
async function refusalText(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).slice(0, 2000).trim()
  let said: string
  try {
    const parsed: unknown = JSON.parse(text)
    const message = (parsed as { message?: unknown } | null)?.message
    said = typeof parsed === 'string' ? parsed : typeof message === 'string' ? message : ''
  } catch {
    said = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1] ?? (text.includes('<') ? '' : text)
  }
  return said.length > 300 ? '' : said
}

/** Downloads `url` into `file`, refusing more than `limit` bytes. */
export async function download(url: unknown, file: string, limit: number, signal: AbortSignal): Promise<void> {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new WorkflowFailure(
      'No valid http(s) URL was given to import from; upload the archive first and pass its download_url as params.url.',
    )
  }
  let response: Response
  try {
    response = await fetch(url, {
      redirect: 'follow',
      signal: AbortSignal.any([signal, AbortSignal.timeout(10 * 60_000)]),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new WorkflowFailure(
      `Could not reach ${new URL(url).host} to download the archive (${cause?.code ?? cause?.message ?? (error as Error).message}). Check the URL and that the server is up, then try again.`,
    )
  }
  if (response.status === 403) {
    const why = await refusalText(response)
    throw new WorkflowFailure(
      `The download link was refused (403: ${why ? JSON.stringify(why) : 'it has expired or is not valid'}). Get a fresh link (a new s3token for a backup, a new upload for an archive) and start the import right away.`,
    )
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel()
    throw new WorkflowFailure(
      `Downloading the archive failed: the server answered ${response.status} ${response.statusText}. Check the URL and try again.`,
    )
  }
  const declared = Number(response.headers.get('content-length'))
  const tooLarge = (): WorkflowFailure =>
    new WorkflowFailure(
      `The archive is larger than the ${formatBytes(limit)} import limit. Make it smaller (for example leave out caches) and try again.`,
    )
  if (Number.isFinite(declared) && declared > limit) {
    await response.body.cancel()
    throw tooLarge()
  }
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > limit) callback(tooLarge())
      else callback(null, chunk)
    },
  })
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(file))
  } catch (error) {
    if (error instanceof WorkflowFailure) throw error
    throw new WorkflowFailure(`The download of the archive broke off (${(error as Error).message}). Try again.`)
  }
}

export function nextTagNumber(tags: readonly { ref: string }[], env: string): number {
  const pattern = new RegExp(`^refs/tags/pantheon_${env}_(\\d+)$`)
  let max = 0
  for (const { ref } of tags) {
    const match = pattern.exec(ref)
    if (match) max = Math.max(max, Number(match[1]))
  }
  return max + 1
}
