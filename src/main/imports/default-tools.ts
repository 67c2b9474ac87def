/**
 * The archive tools the app uses unless told otherwise: the library's inspection and conversion.
 * (Until src/lib/archives/inspect-import.ts and convert.ts land, imports say so and stop.)
 */
import { AppError } from '../errors'
import type { ArchiveTools } from './archive-tools'

const missing = (): never => {
  throw new AppError('unavailable', 'This build of Restore Desk cannot inspect imports yet. Update it, then try again.')
}

export const defaultArchiveTools: ArchiveTools = { inspect: async () => missing(), convert: async () => missing() }
