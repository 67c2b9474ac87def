/**
 * The one door to the `git` command line: every repository operation goes through `runGit`,
 * which isolates git from the caller's environment (no inherited GIT_DIR from hooks, no
 * prompts) and turns failures into a `GitError` carrying git's own stderr.
 */
import { spawn } from 'node:child_process'

/** A git command that failed; `stderr` is git's own explanation. */
export class GitError extends Error {
  readonly stderr: string
  readonly exitCode: number | null

  constructor(message: string, stderr = '', exitCode: number | null = null) {
    super(message)
    this.name = 'GitError'
    this.stderr = stderr
    this.exitCode = exitCode
  }
}

/** Environment for child git processes: the parent's, minus anything that would redirect git. */
export function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // Variables such as GIT_DIR or GIT_INDEX_FILE leak in when the platform runs inside a git hook.
    if (key.startsWith('GIT_') && key !== 'GIT_EXEC_PATH') continue
    env[key] = value
  }
  env.GIT_TERMINAL_PROMPT = '0'
  env.GIT_CONFIG_NOSYSTEM = '1'
  env.LC_ALL = 'C'
  return { ...env, ...extra }
}

export interface RunGitOptions {
  readonly input?: string | Uint8Array
  readonly env?: Record<string, string>
  /** Exit codes that are answers rather than failures (e.g. 1 for "not found"). */
  readonly okExitCodes?: readonly number[]
}

/** Runs git with raw buffers; resolves with stdout, stderr and the exit code. */
export function runGitRaw(
  repoDir: string,
  args: readonly string[],
  opts: RunGitOptions = {},
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repoDir, ...args], { env: gitEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error) =>
      reject(new GitError(`Could not run git (${error.message}). Install git and make sure it is on PATH.`)),
    )
    child.stdin.on('error', () => {
      // git may exit before reading all input (e.g. on a bad argument); the exit code tells why.
    })
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8')
      const exit = code ?? -1
      if (exit !== 0 && !(opts.okExitCodes ?? []).includes(exit)) {
        const reason = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${exit}`
        reject(new GitError(`git ${args[0] ?? ''} failed in ${repoDir}: ${reason}`, stderr, exit))
        return
      }
      resolve({ stdout: Buffer.concat(out), stderr, code: exit })
    })
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else child.stdin.end()
  })
}

/** Runs `git -C repoDir <args>` and returns stdout; a non-zero exit throws `GitError` with stderr. */
export async function runGit(
  repoDir: string,
  args: readonly string[],
  opts?: { input?: string | Uint8Array; env?: Record<string, string> },
): Promise<string> {
  const { stdout } = await runGitRaw(repoDir, args, opts)
  return stdout.toString('utf8')
}
