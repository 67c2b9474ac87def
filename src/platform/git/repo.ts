/**
 * Repository operations for the platform's bare site repositories: refs, tags, logs, and code
 * archives (a code backup is a complete bare repository whose history ends at the backed-up
 * commit, so restoring or cloning it needs nothing else). Git itself does all pack and object
 * work; its output is read only in formats asked for here (`for-each-ref` lines, `log` records
 * split by NUL and 0x1f), and the archives are node-tar's, through src/lib/archives.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ArchiveError, createTarGz, extractTarGzSafe } from '../../lib/archives'
import { GitError, runGit, runGitRaw } from './run'

const ZERO_SHA = '0000000000000000000000000000000000000000'

/** Refuses ref names git would read as options. */
function checkRefArg(ref: string): void {
  if (ref === '' || ref.startsWith('-')) throw new GitError(`"${ref}" is not a valid git reference name.`)
}

const PRE_RECEIVE_HOOK = `#!/bin/sh
# Installed by Restore Desk's embedded platform: pushes may move branches, never deploy tags.
status=0
while read old new ref; do
  case "$ref" in
    refs/tags/*)
      echo "Refusing $ref: tags are made by the platform. Test and live move only by deploy (or a restore), never by a push; push your commits to master to update dev." >&2
      status=1
      ;;
    refs/heads/master)
      case "$new" in
        *[!0]*) ;;
        *)
          echo "Refusing to delete master: it is the dev environment's code. Push new commits to master instead." >&2
          status=1
          ;;
      esac
      ;;
  esac
done
exit $status
`

/**
 * Creates (or re-initialises) a bare repository with HEAD on master, pushes over HTTP enabled
 * and a pre-receive hook that refuses pushes to tags and the deletion of master.
 */
export async function initBareRepo(repoDir: string): Promise<void> {
  await mkdir(repoDir, { recursive: true })
  // An empty template keeps the repository small: no sample hooks, no description file.
  await runGit(repoDir, ['init', '--bare', '--quiet', '--template=', '--initial-branch=master', '.'])
  await runGit(repoDir, ['symbolic-ref', 'HEAD', 'refs/heads/master'])
  await runGit(repoDir, ['config', 'http.receivepack', 'true'])
  await runGit(repoDir, ['config', 'receive.denyDeletes', 'false'])
  // A bare repository with history reachable only by tags must not lose it to auto-gc pruning.
  await runGit(repoDir, ['config', 'gc.pruneExpire', 'never'])
  const hooks = path.join(repoDir, 'hooks')
  await mkdir(hooks, { recursive: true })
  const hook = path.join(hooks, 'pre-receive')
  await writeFile(hook, PRE_RECEIVE_HOOK)
  await chmod(hook, 0o755)
}

/** The commit a ref (or sha, or `ref^{...}` expression) resolves to, or null when it does not exist. */
export async function resolveCommit(repoDir: string, ref: string): Promise<string | null> {
  checkRefArg(ref)
  const { stdout, code } = await runGitRaw(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    okExitCodes: [1, 128],
  })
  if (code !== 0) return null
  return stdout.toString('utf8').trim()
}

/**
 * Points `ref` at `sha`. With `expectedOld` the update only happens if the ref still holds that
 * value (null: only if the ref does not exist yet), so concurrent movers cannot overwrite each other.
 */
export async function setRef(repoDir: string, ref: string, sha: string, expectedOld?: string | null): Promise<void> {
  checkRefArg(ref)
  const args = ['update-ref', '-m', 'restore-desk', ref, sha]
  if (expectedOld !== undefined) args.push(expectedOld ?? ZERO_SHA)
  await runGit(repoDir, args)
}

/** Deletes `ref` (optionally only if it still holds `expectedOld`); deleting a missing ref is not an error. */
export async function deleteRef(repoDir: string, ref: string, expectedOld?: string): Promise<void> {
  checkRefArg(ref)
  const args = ['update-ref', '-d', ref]
  if (expectedOld !== undefined) args.push(expectedOld)
  await runGit(repoDir, args)
}

/** Where a repository operation may make its scratch folder. */
export interface ScratchOptions {
  /**
   * The folder to work in (created if missing). The platform passes one under its data
   * folder, so its state stays there and start-up removes what a crash left; the default
   * is the OS temp folder.
   */
  readonly scratchDir?: string
}

async function makeWorkDir(opts: ScratchOptions | undefined, prefix: string): Promise<string> {
  if (opts?.scratchDir === undefined) return mkdtemp(path.join(tmpdir(), prefix))
  await mkdir(opts.scratchDir, { recursive: true })
  return mkdtemp(path.join(opts.scratchDir, prefix))
}

function gitDate(date: Date): string {
  return `@${Math.floor(date.getTime() / 1000)} +0000`
}

/** Creates the annotated tag `name` (with or without `refs/tags/`) on `sha`; an existing tag is an error. */
export async function createAnnotatedTag(
  repoDir: string,
  name: string,
  sha: string,
  message: string,
  tagger: { name: string; email: string },
  date?: Date,
): Promise<void> {
  const short = name.replace(/^refs\/tags\//, '')
  checkRefArg(short)
  const env: Record<string, string> = { GIT_COMMITTER_NAME: tagger.name, GIT_COMMITTER_EMAIL: tagger.email }
  if (date) env.GIT_COMMITTER_DATE = gitDate(date)
  await runGit(repoDir, ['tag', '--annotate', '--no-sign', '--file=-', short, sha], { input: message, env })
}

/** Refs whose full name starts with `prefix` (e.g. "refs/tags/pantheon_test_"), each with the commit it peels to. */
export async function listRefs(repoDir: string, prefix: string): Promise<Array<{ ref: string; sha: string }>> {
  const out = await runGit(repoDir, ['for-each-ref', '--format=%(refname) %(objectname) %(*objectname)'])
  const refs: Array<{ ref: string; sha: string }> = []
  for (const line of out.split('\n')) {
    if (!line) continue
    const [ref, object, peeled] = line.split(' ')
    if (ref === undefined || object === undefined || !ref.startsWith(prefix)) continue
    refs.push({ ref, sha: peeled || object })
  }
  return refs
}

/** One commit as the code log shows it. */
export interface CommitInfo {
  readonly hash: string
  readonly parents: readonly string[]
  readonly author: string
  readonly email: string
  /** Committer date, UTC, "2016-08-19T19:04:59" (no zone), as Pantheon's code log shows it. */
  readonly datetime: string
  readonly message: string
  /** Committer date, epoch seconds. */
  readonly timestamp: number
}

/** Formats an epoch-seconds time the way the code log does ("2016-08-19T19:04:59", UTC). */
export function codeLogDatetime(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 19)
}

/**
 * Commits reachable from any of `tips`, newest first by committer date (children before
 * parents), like `git log --date-order`. The date is the committer date: when the change
 * landed on the branch, which is what a hosting code log is about.
 */
export async function commitLog(
  repoDir: string,
  tips: readonly string[],
  opts?: { limit?: number; skip?: number },
): Promise<CommitInfo[]> {
  if (tips.length === 0) return []
  for (const tip of tips) checkRefArg(tip)
  const args = ['log', '-z', '--date-order', '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%B']
  if (opts?.limit !== undefined) args.push(`--max-count=${opts.limit}`)
  if (opts?.skip !== undefined) args.push(`--skip=${opts.skip}`)
  args.push(...tips, '--')
  const out = await runGit(repoDir, args)
  const commits: CommitInfo[] = []
  for (const record of out.split('\0')) {
    if (!record) continue
    const [hash, parents, author, email, ct, ...rest] = record.split('\x1f')
    const timestamp = Number(ct)
    commits.push({
      hash: hash!,
      parents: parents ? parents.split(' ') : [],
      author: author ?? '',
      email: email ?? '',
      datetime: codeLogDatetime(timestamp),
      message: rest.join('\x1f'),
      timestamp,
    })
  }
  return commits
}

/** Every commit reachable from `tip` (including it). */
export async function reachableCommits(repoDir: string, tip: string): Promise<Set<string>> {
  checkRefArg(tip)
  const out = await runGit(repoDir, ['rev-list', tip, '--'])
  return new Set(out.split('\n').filter(Boolean))
}

/** The newest commit on `ref`'s first-parent line whose committer date is at or before `when`, or null. */
export async function commitAtOrBefore(repoDir: string, ref: string, when: Date): Promise<string | null> {
  checkRefArg(ref)
  if ((await resolveCommit(repoDir, ref)) === null) return null
  const before = Math.floor(when.getTime() / 1000)
  const out = await runGit(repoDir, ['rev-list', '--first-parent', '--max-count=1', `--before=@${before}`, ref, '--'])
  return out.trim() || null
}

/**
 * Writes a tar.gz (atomically) holding, under `topFolder/`, a new bare repository with exactly
 * the history of `sha`: `headRef` points at it, and HEAD is `headRef` when that is a branch,
 * otherwise detached at `sha`.
 */
export async function writeCodeArchive(
  repoDir: string,
  sha: string,
  headRef: string,
  outFile: string,
  topFolder: string,
  opts?: ScratchOptions,
): Promise<{ size: number }> {
  checkRefArg(headRef)
  if (!headRef.startsWith('refs/'))
    throw new GitError(`The head ref "${headRef}" must be a full name such as refs/heads/master.`)
  if (
    !/^refs\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(headRef) ||
    headRef.includes('..') ||
    headRef.endsWith('.lock')
  ) {
    throw new GitError(`"${headRef}" is not a valid ref name for a code archive.`)
  }
  const commit = /^[0-9a-f]{40}$/.test(sha) ? sha : await resolveCommit(repoDir, sha)
  if (commit === null) throw new GitError(`Cannot archive ${sha}: no such commit in ${repoDir}.`)
  const work = await makeWorkDir(opts, 'rd-code-archive-')
  try {
    // The repository is laid out by hand and filled by one pack-objects run: a `git init` plus
    // `git push` costs several processes per archive, and the seed makes dozens of archives.
    const bare = path.join(work, 'repo.git')
    await Promise.all(
      ['objects/pack', 'objects/info', 'refs/heads', 'refs/tags'].map((d) =>
        mkdir(path.join(bare, d), { recursive: true }),
      ),
    )
    await writeFile(
      path.join(bare, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n',
    )
    await runGit(repoDir, ['pack-objects', '--revs', '--quiet', path.join(bare, 'objects/pack/pack')], {
      input: `${commit}\n`,
    })
    await mkdir(path.dirname(path.join(bare, headRef)), { recursive: true })
    await writeFile(path.join(bare, headRef), `${commit}\n`)
    await writeFile(path.join(bare, 'HEAD'), headRef.startsWith('refs/heads/') ? `ref: ${headRef}\n` : `${commit}\n`)
    await createTarGz(bare, outFile, topFolder)
    return { size: (await stat(outFile)).size }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function isGitDir(dir: string): Promise<boolean> {
  try {
    const [head, objects] = await Promise.all([stat(path.join(dir, 'HEAD')), stat(path.join(dir, 'objects'))])
    return head.isFile() && objects.isDirectory()
  } catch {
    return false
  }
}

async function findGitDir(root: string, topFolders: readonly string[]): Promise<string | null> {
  const candidates = [root, path.join(root, '.git')]
  for (const top of topFolders) candidates.push(path.join(root, top), path.join(root, top, '.git'))
  for (const candidate of candidates) if (await isGitDir(candidate)) return candidate
  return null
}

/**
 * Makes an uploaded repository safe to read with git: its config could name commands or
 * redirect git elsewhere, and alternates/commondir files could pull in objects from other
 * repositories on this machine. They are replaced or removed; only the history stays.
 */
async function neutraliseRepository(gitDir: string): Promise<void> {
  let config = ''
  try {
    config = await readFile(path.join(gitDir, 'config'), 'utf8')
  } catch {
    // No config at all: git assumes the defaults, which is what gets written below.
  }
  if (/^\s*\[extensions\]/im.test(config) || /repositoryformatversion\s*=\s*[1-9]/i.test(config)) {
    throw new GitError(
      'The code archive holds a git repository that uses extensions this platform does not support (for example SHA-256 object names or a partial clone). Use a code backup made by the platform or by a full `git clone --bare`.',
    )
  }
  await writeFile(path.join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = true\n')
  for (const file of ['objects/info/alternates', 'objects/info/http-alternates', 'commondir', 'gitdir']) {
    await rm(path.join(gitDir, file), { force: true })
  }
  // Archivers may drop empty folders, but git only recognises a repository that has refs/.
  await mkdir(path.join(gitDir, 'refs'), { recursive: true })
}

/**
 * Brings a code archive's history into `repoDir` without moving any ref: safe-extracts it,
 * checks it holds a git repository with a HEAD commit, fetches its objects, and returns that commit.
 */
export async function importCodeArchive(
  archiveFile: string,
  repoDir: string,
  opts?: ScratchOptions,
): Promise<{ headCommit: string }> {
  const work = await makeWorkDir(opts, 'rd-code-import-')
  try {
    const root = path.join(work, 'x')
    const summary = await extractTarGzSafe(archiveFile, root)
    const gitDir = await findGitDir(root, summary.topFolders)
    if (gitDir === null) {
      throw new ArchiveError(
        'bad_tar',
        `The code archive holds no git repository (no HEAD file and objects/ folder at its top). A code backup must be the site's git repository; use a code archive made by a backup.`,
      )
    }
    await neutraliseRepository(gitDir)
    const { stdout, code, stderr } = await runGitRaw(gitDir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
      okExitCodes: [1, 128],
      env: { GIT_DIR: gitDir },
    })
    if (code !== 0) {
      throw new GitError(
        `The code archive's repository has no usable HEAD commit (HEAD points nowhere or the commit is missing). Use a code backup of an environment that has code.`,
        stderr,
        code,
      )
    }
    const headCommit = stdout.toString('utf8').trim()
    const tmpRef = `refs/restore/tmp-${process.pid}-${Date.now()}`
    try {
      // Fetching into a scratch ref makes git verify connectivity; the scratch ref goes right after.
      await runGit(repoDir, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', gitDir, `+HEAD:${tmpRef}`])
    } catch (error) {
      if (error instanceof GitError) {
        throw new GitError(
          `The code archive's repository is incomplete or damaged: git could not copy its history (${error.message}). Use another code backup.`,
          error.stderr,
          error.exitCode,
        )
      }
      throw error
    } finally {
      await deleteRef(repoDir, tmpRef)
    }
    return { headCommit }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
