/**
 * The inspector: the platform's limits handed to the library (and 16 times them uncompressed),
 * a file over the limit refused without a read, one answer per token (a second ask reads
 * nothing), progress events, and no upload on a platform without uploads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/events'
import type { InspectImportOptions } from '../../../src/main/imports/archive-tools'
import { PANTHEON_POLICY, type ImportPolicy } from '../../../src/main/imports/capabilities'
import { ImportInspector } from '../../../src/main/imports/inspect'
import { StagingStore } from '../../../src/main/imports/staging'
import type { ImportProgress } from '../../../src/shared/imports'

let dir: string
let staging: StagingStore
let progress: ImportProgress[]
let calls: { file: string; options: InspectImportOptions }[]
let inspector: ImportInspector

const policy = (maxBytes: number, formats = ['sql.gz', 'tar.gz']): ImportPolicy => ({
  capabilities: { upload: true, uploadNote: null, maxUploadBytes: maxBytes, maxUrlBytes: maxBytes },
  formats,
})

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-inspect-'))
  const events = new EventHub()
  progress = []
  events.subscribe((channel, payload) => {
    if (channel === 'imports:progress') progress.push(payload as ImportProgress)
  })
  staging = new StagingStore({ root: path.join(dir, 'imports'), events })
  await staging.load(new Set())
  calls = []
  inspector = new ImportInspector({
    staging,
    events,
    inspect: async (file, options) => {
      calls.push({ file, options })
      options.onProgress?.(50, 100)
      options.onProgress?.(100, 100)
      return {
        ok: true,
        detail: {
          kind: 'database',
          format: 'sql',
          tool: null,
          serverVersion: null,
          tables: [{ name: 't', rows: 1 }],
          uncompressedBytes: 100,
          innerName: null,
        },
      }
    },
  })
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function stage(size: number): Promise<string> {
  const file = path.join(dir, `f${size}.sql`)
  await writeFile(file, Buffer.alloc(size, 65))
  return (await staging.stagePath(file)).token
}

describe('ImportInspector', () => {
  it('inspects once per token against the limits, saying when the file must be converted', async () => {
    const token = await stage(100)
    const first = await inspector.inspect(token, policy(1000))
    expect(first).toMatchObject({ ok: true, token, name: 'f100.sql', size: 100, convertForUpload: true })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.options).toMatchObject({ maxBytes: 1000, maxUncompressedBytes: 16_000 })
    expect(await inspector.inspect(token, policy(1000, ['sql', 'sql.gz']))).toMatchObject({ convertForUpload: false })
    expect(calls).toHaveLength(1)
    expect(progress.filter((p) => p.token === token && p.phase === 'inspecting').at(-1)).toMatchObject({
      bytes: 100,
      total: 100,
    })
  })

  it('refuses a file over the upload limit without reading it', async () => {
    const token = await stage(1001)
    const answer = await inspector.inspect(token, policy(1000))
    expect(answer).toMatchObject({
      ok: false,
      refusal: {
        code: 'too_large',
        problem: "f1001.sql is 1001 bytes, over the platform's upload limit of 1000 bytes.",
      },
    })
    expect(calls).toHaveLength(0)
  })

  it('refuses where the platform takes no uploads, saying why', async () => {
    const token = await stage(10)
    expect(await inspector.inspect(token, PANTHEON_POLICY)).toMatchObject({
      ok: false,
      refusal: { code: 'no_upload', problem: PANTHEON_POLICY.capabilities.uploadNote },
    })
  })

  it('refuses a file that changed since it was staged', async () => {
    const token = await stage(10)
    await writeFile(path.join(dir, 'f10.sql'), Buffer.alloc(11))
    await expect(inspector.inspect(token, policy(1000))).rejects.toMatchObject({ code: 'changed' })
  })
})
