/**
 * One upload step of an import job: the staged file, checked to be what was staged (and
 * inspected), converted first when the platform reads only `.sql.gz`/`.tar.gz`, then a new
 * upload link (`createUpload` with the exact size) and one streamed PUT of it, with the bytes,
 * the rate and the time left reported at most four times a second. Each run starts over with a
 * new link, so a restart mid-upload simply uploads again from the staged file.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { JobStepProgress } from '../../shared/jobs'
import type { UploadTarget } from '../../shared/platform-types'
import type { PlatformClient } from '../api/client'
import { RateMeter } from '../downloads/rate'
import { AppError } from '../errors'
import type { UploadRequest } from '../restores/plan'
import type { ConvertForUpload } from './archive-tools'
import type { StagingStore } from './staging'
import { putFile } from './upload'

const PROGRESS_EVERY_MS = 250

/** What the runner hands an upload step. */
export interface UploadStepInput {
  readonly client: Pick<PlatformClient, 'createUpload'>
  readonly siteId: string
  readonly env: string
  readonly request: UploadRequest
  readonly signal: AbortSignal
  readonly onProgress: (progress: JobStepProgress) => void
}

/** Runs upload steps; the runner holds one. */
export interface UploadStepRunner {
  run(input: UploadStepInput): Promise<UploadTarget>
}

export interface UploadStepOptions {
  readonly staging: StagingStore
  readonly convert: ConvertForUpload
  readonly now?: () => number
  /** Replaces the HTTP PUT (tests). */
  readonly put?: typeof putFile
}

/**
 * The name a converted file is uploaded under: its own with the gzip form's extension
 * (`dump.sql` → `dump.sql.gz`, `site.zip` → `site.tar.gz`, `db.zip` → `db.sql.gz`).
 */
export function convertedName(name: string, form: 'sql.gz' | 'tar.gz'): string {
  const base = name.replace(/\.(sql\.zip|sql|zip|tar)$/i, '')
  return `${base === '' ? 'upload' : base}.${form}`
}

/** "12.0 MiB/s" needs a few samples; until then rate and time left are unknown. */
function transferOf(meter: RateMeter, sent: number, total: number): NonNullable<JobStepProgress['transfer']> {
  const rate = meter.bytesPerSecond
  return {
    sent,
    total,
    bytesPerSecond: rate > 0 ? rate : null,
    secondsLeft: sent >= total ? 0 : rate > 0 ? Math.ceil((total - sent) / rate) : null,
  }
}

/** Builds the upload step runner over the staging store. */
export function createUploadStepRunner(options: UploadStepOptions): UploadStepRunner {
  const now = options.now ?? Date.now
  const put = options.put ?? putFile
  return {
    async run(input) {
      const { request, signal } = input
      const record = await options.staging.verify(request.token)
      let file = record.file
      let name = request.name
      let size = record.staged.size
      let converted: string | null = null
      try {
        if (request.convert) {
          const ext = request.convert.kind === 'database' ? '.sql.gz' : '.tar.gz'
          input.onProgress({ step: null, of: null, activity: `Converting ${name} to ${ext}` })
          const dir = path.join(options.staging.folderOf(request.token), 'converted')
          await mkdir(dir, { recursive: true, mode: 0o700 })
          converted = path.join(dir, 'data')
          const form = await options.convert(file, request.convert, converted, {
            maxUncompressedBytes: request.maxUncompressedBytes,
            signal,
          })
          // The conversion read the person's file: it must still be the one inspected.
          await options.staging.verify(request.token)
          file = converted
          // The person's name with the new form's extension: wp-dump.sql → wp-dump.sql.gz.
          name = convertedName(name, form)
          size = (await stat(converted)).size
        }
        const target = await input.client.createUpload(input.siteId, input.env, { filename: name, size }, { signal })
        const meter = new RateMeter()
        const started = now()
        meter.reset(0, started)
        let last = Number.NEGATIVE_INFINITY
        const report = (sent: number): void => {
          const at = now()
          meter.sample(sent, at)
          if (at - last < PROGRESS_EVERY_MS && sent < size) return
          last = at
          input.onProgress({
            step: null,
            of: null,
            activity: `Uploading ${name}`,
            transfer: transferOf(meter, sent, size),
          })
        }
        report(0)
        await put(target.url, file, size, { signal, onProgress: report })
        if (!converted) await options.staging.verify(request.token)
        return target
      } catch (error) {
        if (signal.aborted) {
          throw new AppError('cancelled', 'the upload was cancelled', { cause: error })
        }
        throw error
      } finally {
        if (converted) await rm(path.dirname(converted), { recursive: true, force: true })
      }
    },
  }
}
