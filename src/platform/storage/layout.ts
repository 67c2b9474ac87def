/**
 * Where everything lives under the data folder. One function per path so the layout is
 * written down in exactly one place:
 *
 *   platform.lock                                     pid of the lock holder, for people (lock: src/lib/lock.ts)
 *   secrets.json  state.json  sessions.json          structured state (atomic JSON; secrets and sessions 0600)
 *   sites/<site>/repo.git                             the site's bare git repository
 *   sites/<site>/envs/<env>/database.sql.gz           the environment's database dump
 *   sites/<site>/envs/<env>/files -> files-<id>/      the environment's files (symlink swap)
 *   sites/<site>/envs/<env>/backups/<folder>/         one backup: archives + backup.json
 *   sites/<site>/envs/<env>/tmp/                      scratch space for content being built
 *   workflows/<id>.json                               one workflow each
 *   uploads/<id>/<filename>                           uploaded archives [ext]
 */
import { join } from 'node:path'

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** True when `name` is one safe path component (no separators, no `..`). */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name) && !name.includes('..') && name.length <= 200
}

/** The paths of one data folder. */
export class Layout {
  constructor(readonly dataDir: string) {}

  siteDir(siteId: string): string {
    return join(this.dataDir, 'sites', siteId)
  }

  repoDir(siteId: string): string {
    return join(this.siteDir(siteId), 'repo.git')
  }

  envDir(siteId: string, env: string): string {
    return join(this.siteDir(siteId), 'envs', env)
  }

  databaseFile(siteId: string, env: string): string {
    return join(this.envDir(siteId, env), 'database.sql.gz')
  }

  /** The symlink that names the environment's current files folder. */
  filesLink(siteId: string, env: string): string {
    return join(this.envDir(siteId, env), 'files')
  }

  envTmpDir(siteId: string, env: string): string {
    return join(this.envDir(siteId, env), 'tmp')
  }

  backupsDir(siteId: string, env: string): string {
    return join(this.envDir(siteId, env), 'backups')
  }

  backupDir(siteId: string, env: string, folder: string): string {
    return join(this.backupsDir(siteId, env), folder)
  }

  workflowsDir(): string {
    return join(this.dataDir, 'workflows')
  }

  uploadsDir(): string {
    return join(this.dataDir, 'uploads')
  }

  tmpDir(): string {
    return join(this.dataDir, 'tmp')
  }
}
