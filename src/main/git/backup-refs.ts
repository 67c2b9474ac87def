/**
 * The clone's refs as the rollback moves them, and the reset backups kept among them.
 *
 * A ref is written as git writes one: `<ref>.lock` created exclusively (so native git and this
 * app never move one ref at once), fsynced, renamed over the ref. A loose ref overrides the same
 * name in `packed-refs` (where the app's clone keeps its remote-tracking refs), as in git.
 *
 * A reset backup is `refs/restore-desk/reset-backups/<UTC time>` naming an annotated tag object
 * that points at the commit dev was at, with the reset's target in its message
 * (`Reset-To: <id>`). A tag rather than a sidecar JSON file: the record is written with the ref
 * in one step and deleted with it, so the two cannot disagree; the tag keeps the discarded
 * commits reachable (no gc drops them); and `git show <ref>` in a terminal tells the same
 * story. The tag's fields are checked with a schema when read, and a backup that fails the check
 * is left alone and not offered for undo.
 */
import fs from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import git from 'isomorphic-git'
import { z } from 'zod'
import { removeQuietly, renameDurable } from '../../lib/atomic'
import { GitError } from './git-error'
import type { ObjectReader } from './objects'
import type { ScratchStore } from './scratch-store'
import type { ResetBackup } from './worker-protocol'

export const BACKUP_PREFIX = 'refs/restore-desk/reset-backups/'
const BACKUP_REF = /^refs\/restore-desk\/reset-backups\/\d{8}T\d{6}Z(-\d{1,3})?$/
const OID = /^[0-9a-f]{40}$/

/** The commit (or tag) a ref names, or null when there is no such ref. */
export async function readRef(gitdir: string, ref: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, gitdir, ref })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'NotFoundError') return null
    throw error
  }
}

/** Points `ref` at `oid` through `<ref>.lock`, durably. */
export async function writeRef(gitdir: string, ref: string, oid: string): Promise<void> {
  if (!OID.test(oid)) throw new Error(`writeRef: ${oid} is not an object id`)
  const file = path.join(gitdir, ...ref.split('/'))
  await mkdir(path.dirname(file), { recursive: true })
  const lock = `${file}.lock`
  let handle
  try {
    handle = await open(lock, 'wx', 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new GitError(
        'git_corrupt',
        `Another git program is moving ${ref} in the clone (${lock} exists). If no git is running, delete that file and try again.`,
        { cause: error },
      )
    throw error
  }
  try {
    try {
      await handle.writeFile(`${oid}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameDurable(lock, file)
  } catch (error) {
    await removeQuietly(lock)
    throw error
  }
}

/** Deletes a ref (its loose file and its `packed-refs` line). */
export async function deleteRef(gitdir: string, ref: string): Promise<void> {
  await git.deleteRef({ fs, gitdir, ref })
}

/** `20261202T031500Z`: a backup's name part for a moment. */
function backupStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
}

function tagText(savedHead: string, resetTo: string, stamp: string, seconds: number): Buffer {
  return Buffer.from(
    `object ${savedHead}\ntype commit\ntag reset-backup-${stamp}\ntagger Restore Desk <restore-desk@localhost> ${seconds} +0000\n\n` +
      `Dev was at ${savedHead} before it was reset to ${resetTo.slice(0, 10)}.\n\nReset-To: ${resetTo}\n`,
  )
}

/**
 * Saves where dev was before a reset: writes the tag object (durable before the ref names it)
 * and the ref, and returns the ref's name. A second reset in the same second gets `-2`.
 */
export async function saveResetBackup(
  gitdir: string,
  store: ScratchStore,
  savedHead: string,
  resetTo: string,
  at: Date = new Date(),
): Promise<string> {
  const stamp = backupStamp(at)
  let ref = `${BACKUP_PREFIX}${stamp}`
  for (let n = 2; (await readRef(gitdir, ref)) !== null; n++) {
    if (n > 999) throw new GitError('git_corrupt', 'The clone has too many reset backups for one second.')
    ref = `${BACKUP_PREFIX}${stamp}-${n}`
  }
  const tag = store.put('tag', tagText(savedHead, resetTo, stamp, Math.floor(at.getTime() / 1000)))
  await store.writeTo(gitdir)
  await writeRef(gitdir, ref, tag)
  return ref
}

const backupSchema = z.object({
  savedHead: z.string().regex(OID),
  resetTo: z.string().regex(OID),
  at: z.number().int().nonnegative(),
})

/** Reads one backup; null when the ref is not a backup tag this app wrote, or fails the check. */
async function parseBackup(reader: ObjectReader, ref: string, oid: string): Promise<ResetBackup | null> {
  let text: string
  try {
    const object = await reader.read(oid)
    if (object.type !== 'tag') return null
    text = object.data.toString('utf8')
  } catch (error) {
    if (error instanceof GitError && error.code === 'git_missing_object') return null
    throw error
  }
  const parsed = backupSchema.safeParse({
    savedHead: /^object (\S+)$/m.exec(text)?.[1],
    resetTo: /^Reset-To: (\S+)$/m.exec(text)?.[1],
    at: Number(/^tagger .* (\d+) [+-]\d{4}$/m.exec(text)?.[1]) * 1000,
  })
  if (!parsed.success || !/^type commit$/m.test(text)) return null
  return { ref, ...parsed.data }
}

/** Whether a name from outside is a backup ref's (nothing else may be deleted through undo). */
export function isBackupRef(ref: string): boolean {
  return BACKUP_REF.test(ref)
}

/** One backup by its ref; a GitError saying so when it is gone or damaged. */
export async function readResetBackup(gitdir: string, reader: ObjectReader, ref: string): Promise<ResetBackup> {
  const oid = isBackupRef(ref) ? await readRef(gitdir, ref) : null
  const backup = oid === null ? null : await parseBackup(reader, ref, oid)
  if (!backup)
    throw new GitError(
      'git_missing_object',
      `The reset backup ${ref} is not in the clone (it was undone already, or the clone was made again). Refresh to see what can be undone.`,
    )
  return backup
}

/** The clone's reset backups, newest first. */
export async function listResetBackups(gitdir: string, reader: ObjectReader): Promise<ResetBackup[]> {
  const names = await git.listRefs({ fs, gitdir, filepath: BACKUP_PREFIX.slice(0, -1) })
  const backups: ResetBackup[] = []
  for (const name of names) {
    const ref = `${BACKUP_PREFIX}${name}`
    if (!isBackupRef(ref)) continue
    const oid = await readRef(gitdir, ref)
    const backup = oid === null ? null : await parseBackup(reader, ref, oid)
    if (backup) backups.push(backup)
  }
  return backups.sort((a, b) => b.at - a.at || (a.ref < b.ref ? 1 : a.ref > b.ref ? -1 : 0))
}
