/**
 * The archive tools the app uses unless told otherwise: the library's inspection by content
 * (src/lib/archives/inspect-import.ts) and its streaming conversion to the gzip forms
 * (src/lib/archives/convert.ts). Both get the platform's unpack limit from the caller.
 */
import { convertToGzipForm, inspectImport } from '../../lib/archives'
import type { ArchiveTools } from './archive-tools'

export const defaultArchiveTools: ArchiveTools = {
  inspect: (file, options) => inspectImport(file, options),
  convert: (file, detail, out, options) => convertToGzipForm(file, detail, out, options),
}
