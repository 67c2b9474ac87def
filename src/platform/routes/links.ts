/**
 * Signed-link routes: backup downloads (GET/HEAD with Range) and uploads [ext] (PUT, then
 * GET/HEAD through the upload's download link). An upload link takes one upload (see
 * ../links/upload-claims): it is streamed to a hidden part file of its own and renamed into
 * place only when exactly the declared number of bytes arrived; anything over the declared
 * size or the platform's limit is refused with 413 and nothing is kept.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { findBackup, type BackupElement, BACKUP_ELEMENTS } from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { HttpError, sendJson } from '../http'
import { checkLink } from '../links/signing'
import { serveFile } from '../links/serve-file'
import { claimUpload, uploadUnderWay } from '../links/upload-claims'
import { fsyncFile, removeQuietly, renameDurable } from '../../lib/atomic'
import { isSafeName } from '../storage/layout'
import type { Router } from './router'
import { formatBytes } from '../../lib/format-bytes'

class UploadTooLarge extends Error {}

const UPLOAD_TAKEN =
  'This upload link has already taken its upload (or one is under way right now); nothing from this request was kept. Ask for a new upload link to upload another file.'

function refuseLink(platform: PlatformContext, scope: 'get' | 'put', path: string, query: URLSearchParams): void {
  const why = checkLink(platform.secrets.linkSecret, scope, path, query)
  if (why) throw new HttpError(403, why)
}

/**
 * Decides, from headers only, whether an upload PUT may start; used for `Expect: 100-continue`
 * too, so a refused client never sends its body. Returns the declared size.
 */
export function checkUploadStart(
  platform: PlatformContext,
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
): number {
  refuseLink(platform, 'put', path, query)
  const id = path.split('/')[3] ?? ''
  if (uploadUnderWay(platform, id)) throw new HttpError(409, UPLOAD_TAKEN, { Connection: 'close' })
  const declared = Number(query.get('size'))
  const limit = platform.options.uploadLimitBytes
  const lengthHeader = req.headers['content-length']
  const length = lengthHeader === undefined ? undefined : Number(lengthHeader)
  if (declared > limit || (length !== undefined && length > limit)) {
    throw new HttpError(413, `The upload is over the limit of ${formatBytes(limit)}; make the archive smaller.`, {
      Connection: 'close',
    })
  }
  if (length !== undefined && length > declared) {
    throw new HttpError(
      413,
      `The upload sends ${length} bytes but ${declared} were declared; ask for a new upload link with the right size.`,
      { Connection: 'close' },
    )
  }
  return declared
}

/** Registers the signed-link routes. */
export function addLinkRoutes(router: Router, platform: PlatformContext): void {
  router.add(['GET', 'HEAD'], '/links/backups/:site_id/:env/:folder/:filename', async (ctx) => {
    refuseLink(platform, 'get', ctx.path, ctx.query)
    const { site_id: siteId = '', env = '', folder = '', filename = '' } = ctx.params
    const backup = platform.findEnvironment(siteId, env)
      ? await findBackup(platform.layout, siteId, env, folder, undefined, platform.log)
      : undefined
    const element = BACKUP_ELEMENTS.find(
      (candidate: BackupElement) => backup?.elements[candidate]?.filename === filename,
    )
    if (!backup || !element)
      throw new HttpError(404, 'This backup no longer exists (it may have expired); pick another one from the catalog.')
    await serveFile(ctx.req, ctx.res, join(platform.layout.backupDir(siteId, env, folder), filename), filename)
    return undefined
  })

  router.add(['GET', 'HEAD'], '/links/uploads/:id/:filename', async (ctx) => {
    refuseLink(platform, 'get', ctx.path, ctx.query)
    const { id = '', filename = '' } = ctx.params
    const file = join(platform.layout.uploadsDir(), id, filename)
    if (!isSafeName(id) || !isSafeName(filename) || !(await stat(file).catch(() => undefined))) {
      throw new HttpError(
        404,
        'Nothing has been uploaded to this link yet (or the upload was cleaned up); upload the file first.',
      )
    }
    await serveFile(ctx.req, ctx.res, file, filename)
    return undefined
  })

  router.add('PUT', '/links/uploads/:id/:filename', async (ctx) => {
    const declared = checkUploadStart(platform, ctx.req, ctx.path, ctx.query)
    const { id = '', filename = '' } = ctx.params
    if (!isSafeName(id) || !isSafeName(filename)) throw new HttpError(400, 'This upload link names an invalid file.')
    const release = claimUpload(platform, id)
    if (!release) throw new HttpError(409, UPLOAD_TAKEN, { Connection: 'close' })
    try {
      const dir = join(platform.layout.uploadsDir(), id)
      const final = join(dir, filename)
      if (await stat(final).catch(() => undefined)) throw new HttpError(409, UPLOAD_TAKEN, { Connection: 'close' })
      await mkdir(dir, { recursive: true })
      // A part file of this attempt's own: nothing another request did can end up in it.
      const part = join(dir, `.${filename}.${randomBytes(6).toString('hex')}.part`)
      const received = await receiveUpload(ctx.req, part, declared)
      try {
        await fsyncFile(part)
        await renameDurable(part, final)
      } catch (error) {
        await removeQuietly(part)
        throw error
      }
      sendJson(ctx.res, 200, { size: received, filename })
    } finally {
      release()
    }
    return undefined
  })
}

/** Streams an upload body into `part`; exactly `declared` bytes or an HttpError (and no part file). */
async function receiveUpload(req: IncomingMessage, part: string, declared: number): Promise<number> {
  let received = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length
      if (received > declared) callback(new UploadTooLarge())
      else callback(null, chunk)
    },
  })
  try {
    await pipeline(req, counter, createWriteStream(part))
  } catch (error) {
    await removeQuietly(part)
    if (error instanceof UploadTooLarge) {
      throw new HttpError(
        413,
        `The upload sent more than the ${declared} bytes declared; nothing was kept. Ask for a new upload link with the right size.`,
        { Connection: 'close' },
      )
    }
    throw new HttpError(400, `The upload broke off after ${received} bytes; nothing was kept. Upload the file again.`)
  }
  if (received !== declared) {
    await removeQuietly(part)
    throw new HttpError(
      400,
      `The upload ended after ${received} of the ${declared} bytes declared; nothing was kept. Upload the whole file again.`,
    )
  }
  return received
}

/** Sends a refusal for a PUT that must not continue, and drops the connection after it. */
export function refuseUpload(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, error.message, { ...error.headers, Connection: 'close' })
}
