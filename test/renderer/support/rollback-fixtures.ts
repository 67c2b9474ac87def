/**
 * The ways back and the deploys as main answers them, over the code history's fake history
 * (history-fixtures.ts: commit 0 the newest, dev at 0, test at 4, live at 11), and the small
 * acts a person does in their dialogs. Tests override what they care about.
 */
import { flushPromises } from '@vue/test-utils'
import type { HistoryCommit } from '../../../src/shared/history'
import type { Workflow } from '../../../src/shared/platform-types'
import type {
  CodeMoveResult,
  DeployPreview,
  ResetPreview,
  ResetUndo,
  RevertMode,
  RevertPreview,
} from '../../../src/shared/rollback'
import { getByRole } from './by-role'
import { workflow } from './fixtures'
import { fileChange, historyCommit, NEWEST_AT, oidOf } from './history-fixtures'

/** The commit the tests pick in the history. */
export const PICKED = 5

/** The message git writes for a revert of commit `index`. */
export function revertMessage(index: number): string {
  return `Revert "Commit number ${index}"\n\nThis reverts commit ${oidOf(index)}.\n`
}

export function revertPreview(mode: RevertMode = 'revert', overrides: Partial<RevertPreview> = {}): RevertPreview {
  return {
    mode,
    target: historyCommit(PICKED),
    head: oidOf(0),
    message:
      mode === 'revert'
        ? revertMessage(PICKED)
        : `Roll back to ${oidOf(PICKED).slice(0, 7)} "Commit number ${PICKED}"\n`,
    files: [
      fileChange({ path: 'web/index.php', added: 1, removed: 1 }),
      fileChange({ path: 'web/new.php', status: 'deleted', oldMode: '100644', newMode: null, added: 0, removed: 12 }),
    ],
    totals: { files: 2, added: 1, removed: 13 },
    conflicts: [],
    empty: false,
    blocked: null,
    ...overrides,
  }
}

/** A `sync_code` workflow on dev, as the platform reports one after a push. */
export function syncWorkflow(overrides: Partial<Workflow> = {}): Workflow {
  return workflow({
    id: 'wf-sync',
    type: 'sync_code',
    environment: 'dev',
    description: 'Sync code on dev',
    activeDescription: 'Syncing code',
    phase: 'started',
    step: 1,
    numberOfTasks: 2,
    ...overrides,
  })
}

export function deployWorkflow(to: string, overrides: Partial<Workflow> = {}): Workflow {
  return workflow({
    id: `wf-deploy-${to}`,
    type: 'deploy',
    environment: to,
    description: `Deploy code to ${to}`,
    activeDescription: 'Deploying',
    phase: 'started',
    step: 1,
    numberOfTasks: 3,
    ...overrides,
  })
}

/** A new commit on dev (the revert's), as a move's result carries it. */
export function newCommit(overrides: Partial<HistoryCommit> = {}): HistoryCommit {
  return historyCommit(0, {
    oid: 'f00dfeed'.padEnd(40, '0'),
    parents: [oidOf(0)],
    subject: `Revert "Commit number ${PICKED}"`,
    authoredAt: NEWEST_AT + 60_000,
    committedAt: NEWEST_AT + 60_000,
    envsAt: ['dev'],
    envsContaining: ['dev'],
    ...overrides,
  })
}

export function codeMoveResult(overrides: Partial<CodeMoveResult> = {}): CodeMoveResult {
  const commit = overrides.commit ?? newCommit()
  return {
    previousHead: oidOf(0),
    newHead: commit.oid,
    commit,
    workflow: syncWorkflow(),
    backupRef: null,
    ...overrides,
  }
}

/** dev reset to the picked commit: commits 0–4 discarded, of which test holds 2, 3 and 4 (as if test stood at 2). */
export function resetPreview(overrides: Partial<ResetPreview> = {}): ResetPreview {
  const discarded = Array.from({ length: PICKED }, (_, index) =>
    historyCommit(index, { envsContaining: index >= 2 ? ['dev', 'test'] : ['dev'] }),
  )
  return {
    target: historyCommit(PICKED),
    head: oidOf(0),
    discardedCount: PICKED,
    discarded,
    heldBy: [{ env: 'test', count: 3 }],
    notAncestor: false,
    blocked: null,
    ...overrides,
  }
}

export const BACKUP_REF = 'refs/restore-desk/reset-backups/1795363200000'

export function resetUndo(overrides: Partial<ResetUndo> = {}): ResetUndo {
  return {
    backupRef: BACKUP_REF,
    restores: historyCommit(0),
    from: oidOf(PICKED),
    at: NEWEST_AT + 5 * 60_000,
    ...overrides,
  }
}

export function deployPreview(to: 'test' | 'live', overrides: Partial<DeployPreview> = {}): DeployPreview {
  const from = to === 'test' ? 'dev' : 'test'
  const commits = to === 'test' ? [0, 1, 2, 3] : [4, 5, 6, 7, 8, 9, 10]
  return {
    siteId: 'site-1',
    to,
    from,
    fromCommit: oidOf(commits[0]!),
    toCommit: oidOf(to === 'test' ? 4 : 11),
    commits: commits.map((index) => historyCommit(index)),
    count: commits.length,
    leftBehind: [],
    leftBehindCount: 0,
    nothingReason: null,
    busy: null,
    ...overrides,
  }
}

/** A promise the test settles when it chooses (to see a dialog while main works). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (cause: unknown) => void } {
  let resolve: (value: T) => void = () => {}
  let reject: (cause: unknown) => void = () => {}
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

export async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

export async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

export async function toggle(checkbox: HTMLElement): Promise<void> {
  ;(checkbox as HTMLInputElement).click()
  await flushPromises()
}

export async function pressEscape(target: Element): Promise<void> {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
  await flushPromises()
}

/** The one dialog whose name begins with `start`. */
export function dialogNamed(start: string): HTMLElement {
  return getByRole(document.body, 'dialog', new RegExp(`^${start}`))
}
