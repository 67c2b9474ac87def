/**
 * Browser mode's staging route, `PUT /api/stage?name=<file name>`: the page sends a dropped file
 * itself (the browser streams it from disk) and gets back `IpcResult<StagedFile>`, a token for
 * `imports:inspect` and `imports:start`. The body goes straight to the staging folder in constant
 * memory; it must declare its length (`Content-Length`, at most the upload limit: 413 otherwise,
 * before a byte is read), and cannot be longer than declared. The server's other checks (token
 * or cookie, Host, Origin) have passed before this runs; the JSON routes keep their 1 MiB cap.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { StagedFile } from '../../shared/imports'
import { AppError, toErrorShape } from '../errors'
import { RequestRefused, sendJson } from './requests'

/** Stages `declared` bytes of `body` under `name` (ImportService.stageUpload). */
export type StageUpload = (name: string, declared: number, body: IncomingMessage) => Promise<StagedFile>

/** HTTP statuses of the staging refusals; anything else is the host's 500. */
const STATUS_OF: Readonly<Record<string, number>> = {
  too_large: 413,
  forbidden: 403,
  no_upload: 409,
  incomplete: 400,
  bad_request: 400,
}

/** The declared body length, or a refusal: required, a whole number. */
function declaredLength(req: IncomingMessage): number {
  const header = req.headers['content-length']
  if (header === undefined || !/^\d{1,16}$/.test(header)) {
    throw new RequestRefused(411, 'length_required', 'Send the file with its Content-Length (its size in bytes).')
  }
  return Number(header)
}

/** Answers one staging request. */
export async function handleStage(
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  stage: StageUpload | undefined,
): Promise<void> {
  if (req.method !== 'PUT') throw new RequestRefused(405, 'bad_request', 'Use PUT to send a file to stage.')
  if (!stage) throw new RequestRefused(404, 'not_found', 'This host does not stage files.')
  const name = url.searchParams.get('name')
  if (name === null || name.trim() === '') {
    throw new RequestRefused(400, 'bad_request', 'Name the file: PUT /api/stage?name=<file name>.')
  }
  const declared = declaredLength(req)
  let staged: StagedFile
  try {
    staged = await stage(name, declared, req)
  } catch (error) {
    const shape = toErrorShape(error)
    const status = error instanceof AppError && Object.hasOwn(STATUS_OF, error.code) ? STATUS_OF[error.code]! : 500
    // The rest of a refused body is not read: the connection closes after the answer.
    if (!req.complete) res.setHeader('Connection', 'close')
    sendJson(res, status, { ok: false, error: shape })
    return
  }
  sendJson(res, 200, { ok: true, value: staged })
}
