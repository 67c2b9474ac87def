/**
 * The platform command's flags: a bad value is refused with exit status 2 and a message that
 * names the flag, before anything is written to the data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers'

const ROOT = join(import.meta.dirname, '../..')
const dirs: string[] = []
const children: ChildProcess[] = []

afterAll(async () => {
  // A flag the command wrongly accepted leaves a running platform behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

function runCli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/platform/cli.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}

const BAD_FLAGS: ReadonlyArray<{ readonly args: readonly string[]; readonly message: RegExp }> = [
  { args: ['--upload-limit', '0'], message: /--upload-limit must be a whole number of bytes above 0, not "0"/ },
  { args: ['--upload-limit', '2GB'], message: /--upload-limit must be a whole number of bytes/ },
  { args: ['--upload-limit', '1.5'], message: /--upload-limit must be a whole number of bytes/ },
  { args: ['--link-ttl', 'soon'], message: /--link-ttl must be a whole number of seconds above 0, not "soon"/ },
  { args: ['--link-ttl=-5'], message: /--link-ttl must be a whole number of seconds/ },
  { args: ['--link-ttl', '0.5'], message: /--link-ttl must be a whole number of seconds/ },
  { args: ['--port', '70000'], message: /--port must be a port number/ },
  { args: ['--port', 'eighty'], message: /--port must be a port number/ },
  { args: ['--seed-scale', 'huge'], message: /--seed-scale must be full or small/ },
  { args: ['--colour'], message: /Unknown option '--colour'/ },
  {
    args: ['--import-formats', 'sql.gz,rar'],
    message: /--import-formats must list import formats .*not "sql\.gz,rar"/,
  },
  { args: ['--import-formats', ','], message: /--import-formats must list import formats/ },
]

describe('the platform command line', () => {
  it('refuses bad flag values with exit status 2, naming the flag, and touches no data folder', async () => {
    const parent = await tempDir('cli-flags')
    dirs.push(parent)
    const results = await Promise.all(
      BAD_FLAGS.map((bad, i) => runCli(['--data', join(parent, `data-${i}`), '--no-schedule', ...bad.args])),
    )
    for (const [i, bad] of BAD_FLAGS.entries()) {
      expect({ args: bad.args, code: results[i]?.code }).toEqual({ args: bad.args, code: 2 })
      expect(results[i]?.output).toMatch(bad.message)
      expect(results[i]?.output).toMatch(/Usage: npm run platform/)
      await expect(stat(join(parent, `data-${i}`))).rejects.toMatchObject({ code: 'ENOENT' })
    }
  })
})
