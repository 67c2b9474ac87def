/**
 * The archive tools the app uses unless told otherwise: the library's inspection by content
 * (src/lib/archives/inspect-import.ts) and its streaming conversion to the gzip forms
 * (src/lib/archives/convert.ts), with the same unpack limit as the inspection.
 */
import { stat } from 'node:fs/promises'
import { convertToGzipForm, inspectImport } from '../../lib/archives'
import type { ArchiveTools } from './archive-tools'
import { UNCOMPRESSED_FACTOR } from './capabilities'

export const defaultArchiveTools: ArchiveTools = {
  inspect: (file, options) => inspectImport(file, options),
  async convert(file, detail, out, options) {
    const info = await stat(file)
    const form = await convertToGzipForm(file, detail, out, {
      // The inspection allowed this file to unpack to the factor times its size: so may the conversion.
      maxUncompressedBytes: Math.max(1, info.size) * UNCOMPRESSED_FACTOR,
      ...(options?.signal ? { signal: options.signal } : {}),
    })
    return { name: `converted.${form}`, size: (await stat(out)).size }
  },
}
