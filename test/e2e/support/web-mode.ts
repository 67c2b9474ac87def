/** Starts `npm run web`'s host as a real child process and reads the link it prints. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface RunningWebMode {
  readonly url: string
  readonly origin: string
  readonly token: string
  readonly dataDir: string
  readonly output: () => string
  stop(): Promise<void>
}

/** Spawns src/main/web/cli.ts on a free port with a fresh data folder (the renderer must be built). */
export async function startWebMode(
  options: { dataDir?: string; env?: Record<string, string>; args?: readonly string[] } = {},
): Promise<RunningWebMode> {
  const ownDataDir = !options.dataDir
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'rd-e2e-')))
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main/web/cli.ts', '--port', '0', '--data', dataDir, ...(options.args ?? [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start within 90 s:\n${output}`)), 90_000)
    const check = (): void => {
      const match = /Restore Desk is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`browser mode exited with ${code}:\n${output}`))
    })
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
    },
  }
}
