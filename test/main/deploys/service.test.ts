/**
 * The deploy service over a fake platform client and history: a busy target refuses the start
 * with its reason, the workflow's params are Terminus's (with live's content and, on WordPress,
 * the URL replacement for a synced test), a started deploy is tracked, and a second start of the
 * same deploy while the first is being started is refused.
 */
import { describe, expect, it, vi } from 'vitest'
import { DeployService, type DeployStart } from '../../../src/main/deploys/service'
import { GitError } from '../../../src/main/git/git-error'
import type { CodeLogEntry, Environment, Workflow } from '../../../src/shared/platform-types'

const DEV = '2'.repeat(40)
const TEST = '1'.repeat(40)

function env(name: string, commit: string): Environment {
  return { name, targetCommit: commit, deployTag: null } as unknown as Environment
}

const log: CodeLogEntry[] = [
  { hash: DEV, parents: [TEST], author: 'Ana', email: 'a@x', committedAt: 2, message: 'New', labels: ['dev'] },
  { hash: TEST, parents: [], author: 'Ana', email: 'a@x', committedAt: 1, message: 'Old', labels: ['dev', 'test'] },
]

function setup(options: { framework?: string; busy?: string | null } = {}) {
  const started: { env: string; type: string; params: unknown }[] = []
  let release: () => void = () => {}
  const client = {
    listEnvironments: vi.fn(async () => [env('dev', DEV), env('test', TEST), env('live', '0'.repeat(40))]),
    codeLog: vi.fn(async () => log),
    getSite: vi.fn(async () => ({ id: 's', name: 'demo', framework: options.framework ?? 'drupal8' })),
    platformDomain: vi.fn(async (_site: string, name: string) => `${name}-demo.pantheonsite.io`),
    startWorkflow: vi.fn(async (_site: string, name: string, type: string, params: unknown) => {
      started.push({ env: name, type, params })
      await new Promise<void>((resolve) => (release = resolve))
      return { id: 'wf', type, environment: name } as Workflow
    }),
    getWorkflow: vi.fn(),
  }
  const workflows = { track: vi.fn(async () => null) }
  const service = new DeployService({
    active: async () => ({ client: client as never, connectionId: 'embedded' }),
    history: {
      open: vi.fn(),
      repository: vi.fn(async () => {
        throw new GitError('git_no_repository', 'none')
      }),
    },
    workflows,
    busyReason: async () => options.busy ?? null,
  })
  return { service, started, workflows, release: () => release() }
}

const input: DeployStart = {
  siteId: 's',
  to: 'test',
  annotation: '  ',
  updatedb: true,
  clearCache: false,
  syncContent: true,
  confirm: '',
}

describe('DeployService', () => {
  it('refuses a busy target with its reason and starts nothing', async () => {
    const reason = 'Restore database is running on test since 02:00. Wait until it has finished, then try again.'
    const { service, started } = setup({ busy: reason })
    expect((await service.preview('s', 'test')).busy).toBe(reason)
    await expect(service.start(input)).rejects.toMatchObject({ code: 'busy', message: reason })
    expect(started).toEqual([])
  })

  it('starts the deploy with live’s content, tracks it, and refuses a second start meanwhile', async () => {
    const { service, started, workflows, release } = setup()
    const first = service.start(input)
    await vi.waitFor(() => expect(started).toHaveLength(1))
    await expect(service.start(input)).rejects.toMatchObject({ code: 'busy' })
    release()
    expect(await first).toMatchObject({ id: 'wf', type: 'deploy' })
    expect(started[0]).toEqual({
      env: 'test',
      type: 'deploy',
      params: {
        annotation: 'Deploy to test from Restore Desk',
        updatedb: 1,
        clear_cache: false,
        clone_database: { from_environment: 'live' },
        clone_files: { from_environment: 'live' },
      },
    })
    expect(workflows.track).toHaveBeenCalledTimes(1)
  })

  it('on WordPress replaces live’s URL with test’s in the synced database', async () => {
    const { service, started, release } = setup({ framework: 'wordpress' })
    const run = service.start({ ...input, annotation: 'Release 4' })
    await vi.waitFor(() => expect(started).toHaveLength(1))
    release()
    await run
    expect(started[0]!.params).toMatchObject({
      annotation: 'Release 4',
      clone_database: {
        from_environment: 'live',
        wp_replace_siteurl: { from_url: '://live-demo.pantheonsite.io', to_url: '://test-demo.pantheonsite.io' },
      },
    })
  })

  it('leaves content alone without "Sync content from live", and always for live', async () => {
    const { service, started, release } = setup()
    const starts = [
      { ...input, syncContent: false },
      { ...input, to: 'live' as const, confirm: 'live' },
    ]
    for (const [index, start] of starts.entries()) {
      const run = service.start(start)
      await vi.waitFor(() => expect(started).toHaveLength(index + 1))
      release()
      await run
    }
    expect(started.map((s) => [s.env, s.params])).toEqual([
      ['test', { annotation: 'Deploy to test from Restore Desk', updatedb: 1, clear_cache: false }],
      ['live', { annotation: 'Deploy to live from Restore Desk', updatedb: 1, clear_cache: false }],
    ])
  })

  it('refuses live without "live" typed', async () => {
    const { service, started } = setup()
    await expect(service.start({ ...input, to: 'live', confirm: 'LIVE' })).rejects.toMatchObject({
      code: 'confirm_mismatch',
    })
    expect(started).toEqual([])
  })
})
