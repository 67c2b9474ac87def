/**
 * `npm run platform -- --data DIR [--port N] [--token T] [--seed demo|none] [--link-ttl S]`
 * runs the embedded platform in the foreground until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { startPlatform } from './index'

const USAGE =
  'Usage: npm run platform -- --data DIR [--port N] [--token T] [--seed demo|none] [--link-ttl SECONDS] [--upload-limit BYTES] [--no-schedule]'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: '0' },
      token: { type: 'string' },
      seed: { type: 'string', default: 'none' },
      'seed-scale': { type: 'string', default: 'full' },
      'link-ttl': { type: 'string' },
      'upload-limit': { type: 'string' },
      'no-schedule': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (!values.data) throw new Error(`--data is required. ${USAGE}`)
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number (0 = any free one). ${USAGE}`)
  if (values.seed !== 'demo' && values.seed !== 'none') throw new Error(`--seed must be demo or none. ${USAGE}`)
  const scale = values['seed-scale']
  if (scale !== 'full' && scale !== 'small') throw new Error('--seed-scale must be full or small.')
  const linkTtl = values['link-ttl'] === undefined ? undefined : Number(values['link-ttl'])
  if (linkTtl !== undefined && !(Number.isFinite(linkTtl) && linkTtl > 0))
    throw new Error('--link-ttl must be a number of seconds above 0.')
  const uploadLimit = values['upload-limit'] === undefined ? undefined : Number(values['upload-limit'])
  const stepDelay = Number(process.env.RESTORE_DESK_PLATFORM_STEP_DELAY_MS ?? '0')

  const platform = await startPlatform({
    dataDir: values.data,
    port,
    ...(values.token ? { machineToken: values.token } : {}),
    seed: values.seed,
    seedScale: scale,
    ...(linkTtl !== undefined ? { linkTtlSeconds: linkTtl } : {}),
    ...(uploadLimit !== undefined ? { uploadLimitBytes: uploadLimit } : {}),
    automatedBackups: !values['no-schedule'],
    workflowStepDelayMs: Number.isFinite(stepDelay) ? stepDelay : 0,
    log: (line) => console.error(line),
  })
  console.log(`Platform listening on ${platform.url}`)
  if (platform.tokenWasGenerated) console.log(`Machine token: ${platform.machineToken}`)
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
  process.exit(1)
})
