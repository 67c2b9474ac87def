/** Small real repositories for git tests, built with the git command line. */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** Runs git in `cwd` with a fixed identity and date (epoch seconds); returns trimmed stdout. */
export async function git(cwd: string, args: readonly string[], when = 1_700_000_000): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('GIT_')) delete env[key]
  Object.assign(env, {
    GIT_AUTHOR_NAME: 'Ada Example',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada Example',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
    GIT_AUTHOR_DATE: `@${when} +0000`,
    GIT_COMMITTER_DATE: `@${when} +0000`,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
  })
  const { stdout } = await exec('git', ['-c', 'init.defaultBranch=master', '-c', 'commit.gpgSign=false', ...args], {
    cwd,
    env,
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout.trim()
}

/** Writes a file in a work tree and commits it at `when`; returns the new commit. */
export async function commitFile(
  work: string,
  file: string,
  content: string,
  message: string,
  when: number,
): Promise<string> {
  await mkdir(path.dirname(path.join(work, file)), { recursive: true })
  await writeFile(path.join(work, file), content)
  await git(work, ['add', file], when)
  await git(work, ['commit', '-q', '-m', message], when)
  return git(work, ['rev-parse', 'HEAD'], when)
}
