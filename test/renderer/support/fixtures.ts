/** Small builders for the contract's models, so each test states only what it cares about. */
import type { AppInfo, ConnectionSummary } from '../../../src/shared/app'
import type { DownloadItem } from '../../../src/shared/downloads'
import type {
  DatabaseInspection,
  FilesInspection,
  ImportCapabilities,
  ImportInspection,
  ImportRefusal,
} from '../../../src/shared/imports'
import type {
  ClonePreview,
  ContentChangePreview,
  Job,
  JobStep,
  RestorePreview,
  SiteActivity,
  UndoOffer,
} from '../../../src/shared/jobs'
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

/** A site's activity with nothing going on. */
export function activity(overrides: Partial<SiteActivity> = {}): SiteActivity {
  return { siteId: 'site-1', workflows: [], jobs: [], busy: {}, undo: {}, fetchedAt: Date.now(), ...overrides }
}

export function jobStep(id: string, overrides: Partial<JobStep> = {}): JobStep {
  const part = id === 'safety' ? null : (id as BackupElement)
  return {
    id,
    kind: part ? 'restore' : 'safety-backup',
    part,
    label: part ? `Restore the ${part}` : 'Safety backup of dev',
    state: 'pending',
    workflowId: null,
    workflowType: null,
    progress: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    attempts: 0,
    ...overrides,
  }
}

/** A restore of dev from its own backup, running its safety backup. */
export function job(overrides: Partial<Job> = {}): Job {
  const createdAt = overrides.createdAt ?? Date.now()
  return {
    id: 'job-00000001',
    connectionId: 'embedded',
    siteId: 'site-1',
    siteName: 'demo-drupal',
    env: 'dev',
    kind: 'restore',
    source: { env: 'dev', folder: '1700000000_automated', backupAt: 1_700_000_000_000 },
    parts: ['code', 'files', 'database'],
    clone: null,
    imports: null,
    safety: { requested: true, folder: null, keepForDays: 7 },
    steps: [
      jobStep('safety', { state: 'running', progress: { step: 1, of: 3, activity: 'Backing up database of "dev"' } }),
      jobStep('code'),
      jobStep('files'),
      jobStep('database'),
    ],
    state: 'running',
    summary: 'Restoring dev from its backup of 14 Nov 22:13.',
    createdAt,
    finishedAt: null,
    undoes: null,
    undoneBy: null,
    ...overrides,
  }
}

export function undoOffer(overrides: Partial<UndoOffer> = {}): UndoOffer {
  return {
    jobId: 'job-00000001',
    kind: 'restore',
    label: 'Undo restore',
    env: 'dev',
    folder: '1700003600_backup',
    backupAt: 1_700_003_600_000,
    parts: ['code', 'database', 'files'],
    ...overrides,
  }
}

export function contentChange(
  part: 'database' | 'files',
  overrides: Partial<ContentChangePreview> = {},
): ContentChangePreview {
  const files = part === 'files'
  return {
    part,
    incoming: {
      size: files ? 52_428_800 : 14_680_064,
      fileCount: files ? 120 : null,
      at: Date.now() - 2 * DAY,
      note: null,
    },
    current: {
      size: files ? 60_817_408 : 15_728_640,
      fileCount: files ? 131 : null,
      at: Date.now() - HOUR,
      note: null,
    },
    ...overrides,
  }
}

/** Restoring dev from its own backup of two days ago: two commits lost. */
export function restorePreview(overrides: Partial<RestorePreview> = {}): RestorePreview {
  const env = overrides.env ?? 'dev'
  return {
    siteId: 'site-1',
    env,
    envIsLive: env === 'live',
    sourceEnv: 'dev',
    folder: '1700000000_automated',
    backupAt: Date.now() - 2 * DAY,
    backupParts: ['code', 'database', 'files'],
    restorableParts: ['code', 'database', 'files'],
    code: {
      currentCommit: 'ffff000000000000000000000000000000000000',
      backupCommit: 'abcdef0123456789abcdef0123456789abcdef01',
      backupCommitSource: 'platform',
      lostCount: 2,
      newestLost: {
        hash: 'ffff000000000000000000000000000000000000',
        subject: 'Add the newsletter block',
        author: 'Ana',
        committedAt: Date.now() - HOUR,
      },
      regainedCount: 0,
    },
    backupCommit: 'abcdef0123456789abcdef0123456789abcdef01',
    content: [contentChange('database'), contentChange('files')],
    lossSentence: `You will lose 2 days of changes on ${env}.`,
    busy: null,
    safetyKeepDays: 7,
    ...overrides,
  }
}

export function clonePreview(overrides: Partial<ClonePreview> = {}): ClonePreview {
  const to = overrides.to ?? 'dev'
  const from = overrides.from ?? 'live'
  return {
    siteId: 'site-1',
    from,
    to,
    toIsLive: to === 'live',
    cms: 'drupal',
    content: [contentChange('database'), contentChange('files')],
    fromDomain: `${from}-demo.pantheonsite.io`,
    toDomain: `${to}-demo.pantheonsite.io`,
    lossSentence: `You will lose 1 hour of changes on ${to}.`,
    busy: null,
    safetyKeepDays: 7,
    ...overrides,
  }
}

/** What the embedded platform lets an import do: uploads up to 2 GiB, any URL. */
export function importCapabilities(overrides: Partial<ImportCapabilities> = {}): ImportCapabilities {
  return { upload: true, uploadNote: null, maxUploadBytes: 2 * 1024 ** 3, maxUrlBytes: null, ...overrides }
}

/** Pantheon: no uploads from disk, imports by URL up to 500 MB. */
export const PANTHEON_UPLOAD_NOTE =
  'Pantheon has no upload endpoint: import from a URL instead (up to 500 MB), for example a signed link to the file.'
export function pantheonCapabilities(): ImportCapabilities {
  return { upload: false, uploadNote: PANTHEON_UPLOAD_NOTE, maxUploadBytes: null, maxUrlBytes: 500 * 1000 * 1000 }
}

/** A WordPress dump of 12 tables, 38 MiB once uncompressed. */
export function databaseInspection(overrides: Partial<DatabaseInspection> = {}): DatabaseInspection {
  const names = ['wp_commentmeta', 'wp_comments', 'wp_links', 'wp_options', 'wp_postmeta', 'wp_posts']
  const more = ['wp_term_relationships', 'wp_term_taxonomy', 'wp_termmeta', 'wp_terms', 'wp_usermeta', 'wp_users']
  return {
    kind: 'database',
    format: 'sql.gz',
    tool: 'mysqldump',
    serverVersion: '8.0.36',
    tables: [...names, ...more].map((name, index) => ({ name, rows: index * 10 })),
    uncompressedBytes: 38 * 1024 * 1024,
    innerName: null,
    ...overrides,
  }
}

/** A files archive of 1,204 files in `files_dev/`. */
export function filesInspection(overrides: Partial<FilesInspection> = {}): FilesInspection {
  return {
    kind: 'files',
    format: 'tar.gz',
    fileCount: 1204,
    dirCount: 38,
    totalBytes: 52 * 1024 * 1024,
    topFolder: 'files_dev/',
    largest: [
      { path: 'files_dev/video/intro.mp4', size: 12 * 1024 * 1024 },
      { path: 'files_dev/2026/11/banner.png', size: 3 * 1024 * 1024 },
    ],
    ...overrides,
  }
}

/** Main's answer to `imports:inspect` for an importable file. */
export function inspected(
  token: string,
  name: string,
  detail: DatabaseInspection | FilesInspection,
  size = 9_437_184,
): ImportInspection {
  return { token, name, size, ok: true, detail, convertForUpload: false }
}

/** Main's answer to `imports:inspect` for a refused file. */
export function refused(token: string, name: string, refusal: Partial<ImportRefusal> = {}): ImportInspection {
  return {
    token,
    name,
    size: 2_048,
    ok: false,
    refusal: {
      code: 'not_sql',
      problem: 'This file is not a SQL dump: it starts with an HTML page.',
      todo: 'Export the database again with mysqldump (or your host’s backup) and import that file.',
      ...refusal,
    },
  }
}
