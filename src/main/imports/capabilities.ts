/**
 * What an import may do on a connection: upload from disk (the embedded platform's upload links,
 * with the limit and formats its `uploads/limits` route gives), or only import by URL (Pantheon,
 * which has no upload endpoint; its imports fetch up to 500 MB). Also whether a file must be
 * converted before it is uploaded: a platform that reads only `.sql.gz`/`.tar.gz` gets those.
 */
import type { ImportCapabilities, ImportFormat } from '../../shared/imports'
import type { PlatformConnectionInfo } from '../../shared/app'
import type { PlatformClient } from '../api/client'

export const PANTHEON_UPLOAD_NOTE =
  'Pantheon has no upload endpoint: import from a URL instead (up to 500 MB), for example a signed link to the file.'
/** Pantheon's largest import by URL. */
export const PANTHEON_MAX_URL_BYTES = 500 * 1000 * 1000
/** What every platform's imports read, Pantheon's too: gzipped dumps and tarballs. */
export const BASE_FORMATS: readonly ImportFormat[] = ['sql.gz', 'tar.gz']
/** Archives may unpack to this many times the upload limit (the platform's own check). */
export const UNCOMPRESSED_FACTOR = 16

const NO_LIMITS_NOTE =
  'This platform does not offer upload links (it has no uploads/limits route): import from a URL instead, or update the platform.'

/** Capabilities with what the app needs besides: the formats the platform's imports read. */
export interface ImportPolicy {
  readonly capabilities: ImportCapabilities
  readonly formats: readonly string[]
}

/** The policy on Pantheon, which needs no request. */
export const PANTHEON_POLICY: ImportPolicy = {
  capabilities: {
    upload: false,
    uploadNote: PANTHEON_UPLOAD_NOTE,
    maxUploadBytes: null,
    maxUrlBytes: PANTHEON_MAX_URL_BYTES,
  },
  formats: BASE_FORMATS,
}

/** Asks the connection what an import into `env` may do. */
export async function importPolicy(
  kind: PlatformConnectionInfo['kind'],
  client: Pick<PlatformClient, 'uploadLimits'>,
  siteId: string,
  env: string,
): Promise<ImportPolicy> {
  if (kind === 'pantheon') return PANTHEON_POLICY
  const limits = await client.uploadLimits(siteId, env)
  if (!limits) {
    return {
      capabilities: { upload: false, uploadNote: NO_LIMITS_NOTE, maxUploadBytes: null, maxUrlBytes: null },
      formats: BASE_FORMATS,
    }
  }
  return {
    // The embedded platform's imports download at most the upload limit, from a URL too.
    capabilities: { upload: true, uploadNote: null, maxUploadBytes: limits.maxBytes, maxUrlBytes: limits.maxBytes },
    formats: [...new Set([...BASE_FORMATS, ...limits.formats])],
  }
}

/** Whether a file of `format` must be converted before the platform takes it. */
export function needsConversion(policy: ImportPolicy, format: string): boolean {
  return !policy.formats.includes(format)
}
