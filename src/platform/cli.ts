/**
 * `npm run platform -- --data DIR [--port N] [--token T] [--seed demo|none] [--link-ttl S] ...`
 * runs the embedded platform in the foreground until SIGINT/SIGTERM. A bad command line
 * exits with status 2, a failed start (for example a data folder in use) with 1.
 */
import { parseArgs } from 'node:util'
import { IMPORT_FORMATS, isImportFormat } from '../lib/archives'
import { startPlatform } from './index'

const USAGE =
  'Usage: npm run platform -- --data DIR [--port N] [--token T] [--seed demo|none] [--seed-scale full|small] [--link-ttl SECONDS] [--upload-limit BYTES] [--import-formats sql.gz,tar.gz] [--no-schedule]'

/** A mistake in the command line: reported with the usage and exit status 2. */
class UsageError extends Error {}

/** A flag's value as a whole number of at least `min`, or a UsageError naming the flag. */
function wholeNumber(flag: string, text: string, min: number, what: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${flag} must be ${what}, not "${text}". ${USAGE}`)
  return value
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      options: {
        data: { type: 'string' },
        port: { type: 'string', default: '0' },
        token: { type: 'string' },
        seed: { type: 'string', default: 'none' },
        'seed-scale': { type: 'string', default: 'full' },
        'link-ttl': { type: 'string' },
        'upload-limit': { type: 'string' },
        'import-formats': { type: 'string' },
        'no-schedule': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.?$/, '.')} ${USAGE}`)
  }
  const { values } = parsed
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (!values.data) throw new UsageError(`--data is required. ${USAGE}`)
  const port = wholeNumber('--port', values.port, 0, 'a port number (0 = any free one)')
  if (port > 65535)
    throw new UsageError(`--port must be a port number (0 = any free one), not "${values.port}". ${USAGE}`)
  if (values.seed !== 'demo' && values.seed !== 'none') throw new UsageError(`--seed must be demo or none. ${USAGE}`)
  const scale = values['seed-scale']
  if (scale !== 'full' && scale !== 'small') throw new UsageError(`--seed-scale must be full or small. ${USAGE}`)
  const linkTtl =
    values['link-ttl'] === undefined
      ? undefined
      : wholeNumber('--link-ttl', values['link-ttl'], 1, 'a whole number of seconds above 0')
  const uploadLimit =
    values['upload-limit'] === undefined
      ? undefined
      : wholeNumber('--upload-limit', values['upload-limit'], 1, 'a whole number of bytes above 0')
  const importFormats = values['import-formats']?.split(',').map((format) => format.trim())
  if (importFormats !== undefined && (importFormats.length === 0 || !importFormats.every(isImportFormat))) {
    throw new UsageError(
      `--import-formats must list import formats separated by commas (${IMPORT_FORMATS.join(', ')}), not "${values['import-formats']}". ${USAGE}`,
    )
  }
  const stepDelay = Number(process.env.RESTORE_DESK_PLATFORM_STEP_DELAY_MS ?? '0')

  const platform = await startPlatform({
    dataDir: values.data,
    port,
    ...(values.token ? { machineToken: values.token } : {}),
    seed: values.seed,
    seedScale: scale,
    ...(linkTtl !== undefined ? { linkTtlSeconds: linkTtl } : {}),
    ...(uploadLimit !== undefined ? { uploadLimitBytes: uploadLimit } : {}),
    ...(importFormats !== undefined ? { importFormats: importFormats.filter(isImportFormat) } : {}),
    automatedBackups: !values['no-schedule'],
    workflowStepDelayMs: Number.isFinite(stepDelay) ? stepDelay : 0,
    log: (line) => console.error(line),
  })
  // One write: a reader that acts on the first line must find the token beside it, not in a later chunk.
  const lines = [`Platform listening on ${platform.url}`]
  if (platform.tokenWasGenerated) lines.push(`Machine token: ${platform.machineToken}`)
  console.log(lines.join('\n'))
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void platform.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Could not stop cleanly: ${(error as Error).message}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error((error as Error).message)
  process.exit(error instanceof UsageError ? 2 : 1)
})
