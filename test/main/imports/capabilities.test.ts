/**
 * What an import may do per connection: the embedded platform's uploads with its limits and
 * formats, Pantheon's import by URL only (no request made), and a platform without upload links.
 */
import { describe, expect, it } from 'vitest'
import {
  importPolicy,
  needsConversion,
  PANTHEON_MAX_URL_BYTES,
  PANTHEON_UPLOAD_NOTE,
} from '../../../src/main/imports/capabilities'
import type { UploadLimits } from '../../../src/shared/platform-types'

function client(limits: UploadLimits | null) {
  const asked: string[] = []
  return {
    asked,
    uploadLimits: async (siteId: string, env: string) => {
      asked.push(`${siteId}/${env}`)
      return limits
    },
  }
}

describe('import capabilities', () => {
  it('uploads on the embedded platform up to its limit, converting only what it does not read', async () => {
    const embedded = client({ maxBytes: 2 ** 31, formats: ['sql', 'sql.gz', 'sql.zip', 'tar.gz', 'tar', 'zip'] })
    const policy = await importPolicy('embedded', embedded, 's1', 'dev')
    expect(policy.capabilities).toEqual({
      upload: true,
      uploadNote: null,
      maxUploadBytes: 2 ** 31,
      maxUrlBytes: 2 ** 31,
    })
    expect(embedded.asked).toEqual(['s1/dev'])
    expect(needsConversion(policy, 'zip')).toBe(false)

    const older = await importPolicy(
      'remote-embedded',
      client({ maxBytes: 1000, formats: ['sql.gz', 'tar.gz'] }),
      's1',
      'dev',
    )
    expect(needsConversion(older, 'sql')).toBe(true)
    expect(needsConversion(older, 'sql.gz')).toBe(false)
  })

  it('on Pantheon imports by URL only (up to 500 MB) and says why, without asking for limits', async () => {
    const pantheon = client({ maxBytes: 1, formats: [] })
    const policy = await importPolicy('pantheon', pantheon, 's1', 'dev')
    expect(policy.capabilities).toEqual({
      upload: false,
      uploadNote:
        'Pantheon has no upload endpoint: import from a URL instead (up to 500 MB), for example a signed link to the file.',
      maxUploadBytes: null,
      maxUrlBytes: 500_000_000,
    })
    expect(PANTHEON_UPLOAD_NOTE).toBe(policy.capabilities.uploadNote)
    expect(PANTHEON_MAX_URL_BYTES).toBe(500_000_000)
    expect(pantheon.asked).toEqual([])
  })

  it('offers no upload where the platform has no limits route (404)', async () => {
    const policy = await importPolicy('remote-embedded', client(null), 's1', 'dev')
    expect(policy.capabilities).toMatchObject({ upload: false, maxUploadBytes: null })
    expect(policy.capabilities.uploadNote).toMatch(/does not offer upload links.*import from a URL instead/)
  })
})
