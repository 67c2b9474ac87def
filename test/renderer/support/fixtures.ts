/** Small builders for the contract's models, so each test states only what it cares about. */
import type { AppInfo, ConnectionSummary } from '../../../src/shared/app'
import type { DownloadItem } from '../../../src/shared/downloads'
import type {
  Backup,
  BackupElement,
  BackupPart,
  Environment,
  Site,
  SiteDetails,
  Workflow,
} from '../../../src/shared/platform-types'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export function appInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  return {
    name: 'Restore Desk',
    version: '9.8.7',
    mode: 'browser',
    dataDir: '/home/me/.config/Restore Desk',
    platform: {
      id: 'embedded',
      kind: 'embedded',
      label: 'Embedded platform',
      baseUrl: 'http://127.0.0.1:4000',
      status: 'ready',
      error: null,
    },
    notices: [],
    ...overrides,
  }
}

export function connection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return {
    id: 'embedded',
    kind: 'embedded',
    label: 'Embedded platform',
    baseUrl: 'http://127.0.0.1:4000',
    status: 'ready',
    error: null,
    active: true,
    tokenStorage: 'none',
    tokenStorageNote: 'No token needed: the platform runs inside the app.',
    ...overrides,
  }
}

export function site(overrides: Partial<Site> = {}): Site {
  return {
    id: 'site-1',
    name: 'demo-drupal',
    label: 'Demo Drupal',
    framework: 'drupal8',
    createdAt: null,
    owner: null,
    planName: null,
    frozen: false,
    role: null,
    ...overrides,
  }
}

export function environment(name: string, overrides: Partial<Environment> = {}): Environment {
  return {
    name,
    kind: name === 'dev' || name === 'test' || name === 'live' ? name : 'multidev',
    isLive: name === 'live',
    targetRef: name === 'dev' ? 'refs/heads/master' : `refs/tags/pantheon_${name}_3`,
    targetCommit: 'abcdef0123456789abcdef0123456789abcdef01',
    branch: name === 'dev' ? 'master' : null,
    deployTag: name === 'dev' ? null : `pantheon_${name}_3`,
    deployNumber: name === 'dev' ? null : 3,
    initialized: true,
    createdAt: null,
    onServerDevelopment: false,
    locked: false,
    lockUsername: null,
    dnsZone: null,
    ...overrides,
  }
}

export function siteDetails(overrides: Partial<Site> = {}): SiteDetails {
  return { site: site(overrides), environments: ['dev', 'test', 'live'].map((name) => environment(name)) }
}

function part(element: BackupElement, startedAt: number, size: number, finished: boolean): BackupPart {
  const ext = element === 'database' ? 'sql.gz' : 'tar.gz'
  return {
    element,
    filename: `demo_dev_${startedAt}_${element}.${ext}`,
    size: finished ? size : 0,
    finished,
    startedAt,
    finishedAt: finished ? startedAt + 60_000 : null,
    expiresAt: finished ? startedAt + 30 * DAY : null,
  }
}

/** A backup started at `startedAt` with the given parts (all by default). */
export function backup(
  startedAt: number,
  options: { kind?: Backup['kind']; parts?: readonly BackupElement[]; finished?: boolean } = {},
): Backup {
  const kind = options.kind ?? 'scheduled'
  const finished = options.finished ?? true
  const elements = options.parts ?? ['code', 'database', 'files']
  const folder = `${Math.floor(startedAt / 1000)}_${kind === 'manual' ? 'backup' : 'automated'}`
  const parts: { [E in BackupElement]?: BackupPart } = {}
  const sizes: Record<BackupElement, number> = { code: 2_500_000, database: 14_680_064, files: 52_428_800 }
  for (const element of elements) parts[element] = part(element, startedAt, sizes[element], finished)
  return {
    id: folder,
    folder,
    kind,
    startedAt,
    finishedAt: finished ? startedAt + 60_000 : null,
    expiresAt: finished ? startedAt + 30 * DAY : null,
    finished,
    parts,
    totalSize: finished ? elements.reduce((sum, element) => sum + sizes[element], 0) : 0,
  }
}

export function workflow(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: 'wf-1',
    type: 'do_export',
    siteId: 'site-1',
    environment: 'dev',
    params: {},
    description: 'Back up the dev environment',
    activeDescription: 'Queued',
    phase: 'created',
    result: null,
    step: null,
    numberOfTasks: null,
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    messages: [],
    finished: false,
    succeeded: false,
    failureReason: null,
    ...overrides,
  }
}

export function download(overrides: Partial<DownloadItem> = {}): DownloadItem {
  return {
    id: 'dl-1',
    connectionId: 'embedded',
    siteId: 'site-1',
    siteName: 'demo-drupal',
    env: 'dev',
    folder: '1700000000_automated',
    element: 'database',
    filename: 'demo_dev_database.sql.gz',
    expectedSize: 10_485_760,
    destDir: '/home/me/Downloads/Restore Desk/demo-drupal/dev',
    state: 'downloading',
    receivedBytes: 5_242_880,
    totalBytes: 10_485_760,
    bytesPerSecond: 1_048_576,
    etaSeconds: 5,
    partPath: '/home/me/Downloads/Restore Desk/demo-drupal/dev/demo_dev_database.sql.gz.part',
    finalPath: null,
    error: null,
    note: null,
    sha256: null,
    createdAt: 1_700_000_000_000,
    finishedAt: null,
    revision: 1,
    ...overrides,
  }
}
