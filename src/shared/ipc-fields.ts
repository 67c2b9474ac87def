/**
 * The request fields the IPC contract (ipc.ts) is built from: ids, backup folders, tokens,
 * commit ids, cursors and paths, each a zod schema that says in its message what it wants.
 * Main checks every request against them whatever transport carried it.
 */
import { z } from 'zod'
import { downloadIdSchema } from './downloads'

/** A channel that takes no payload. */
export const noPayload = z.union([z.undefined(), z.null()]).transform(() => undefined)

/** Platform ids: letters, digits, dashes (uuids, site names, env names); the page's addresses check the same. */
export const PLATFORM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/
export const platformId = z.string().regex(PLATFORM_ID, 'must be a platform id (letters, digits, "-", "_", ".")')
export const siteEnv = z.object({ siteId: platformId, env: platformId }).strict()
export const downloadRef = z.object({ id: downloadIdSchema }).strict()
export const backupElement = z.enum(['code', 'database', 'files'])
export const backupFolder = z
  .string()
  .regex(/^\d{9,11}_(backup|automated)$/, 'must be a backup folder like 1700000000_backup')
/** The environment's name as the person typed it to confirm a destructive act. */
export const typedConfirmation = z.string().max(200)
export const stagedToken = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be a staged file token')
export const jobId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be a job id')
export const restoreSource = z.object({
  siteId: platformId,
  env: platformId,
  sourceEnv: platformId,
  folder: backupFolder,
})
/** A full commit id (SHA-1 or SHA-256), lower case; the page's addresses check the same. */
export const COMMIT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/
export const commitId = z.string().regex(COMMIT_ID, 'must be a full commit id')
/** An opaque cursor main handed out for the next page. */
export const historyCursor = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be a cursor from a previous page')
/** A path inside the repository as git writes it: relative, forward slashes. */
export const repoPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.split('/').some((part) => part === '' || part === '.' || part === '..'), {
    message: 'must be a path inside the repository',
  })
export const revertMode = z.enum(['revert', 'roll-back'])
export const deployTarget = z.enum(['test', 'live'])
/** A reset's backup ref as main names it. */
export const backupRefName = z
  .string()
  .regex(/^refs\/restore-desk\/reset-backups\/[A-Za-z0-9_.-]{1,100}$/, 'must be a reset backup ref')
/** A domain or URL for the WordPress URL replacement: no spaces, no quotes. */
export const urlText = z
  .string()
  .trim()
  .min(3)
  .max(300)
  .regex(/^[^\s'"\\]+$/, 'must be a domain or URL without spaces or quotes')
