/**
 * The code history's models and a fake main side for them: a linear history of N commits
 * (index 0 the newest), paged by 100 through cursors `p<offset>`, searched 100 commits per ask
 * through cursors `s<offset>`, with dev, test and live at chosen commits. Tests change what they
 * care about through the overrides, and read the calls through the fake bridge.
 */
import type {
  CommitDetail,
  DiffHunk,
  EnvGap,
  EnvPosition,
  FileChange,
  HistoryCommit,
  HistoryOverview,
  HistoryPage,
  HistorySearchPage,
  RepoStatus,
} from '../../../src/shared/history'
import type { FakeHandlers } from './fake-bridge'
import { HOUR } from './fixtures'

export const PAGE_SIZE = 100
/** When the newest commit of every fake history was made. */
export const NEWEST_AT = Date.UTC(2026, 10, 28, 12, 0)

/** The id of commit `index` (0 the newest): seven distinct hex digits, then zeros to 40. */
export function oidOf(index: number): string {
  return (0xa000000 + index).toString(16) + '0'.repeat(33)
}

export function historyCommit(index: number, overrides: Partial<HistoryCommit> = {}): HistoryCommit {
  return {
    oid: oidOf(index),
    parents: [oidOf(index + 1)],
    subject: `Commit number ${index}`,
    authorName: index % 2 === 0 ? 'Ada Lovelace' : 'Grace Hopper',
    authorEmail: index % 2 === 0 ? 'ada@example.com' : 'grace@example.com',
    authoredAt: NEWEST_AT - index * HOUR,
    committedAt: NEWEST_AT - index * HOUR,
    envsAt: [],
    envsContaining: [],
    tags: [],
    ...overrides,
  }
}

export function repoStatus(overrides: Partial<RepoStatus> = {}): RepoStatus {
  return {
    siteId: 'site-1',
    state: 'ready',
    source: 'app-clone',
    localPath: null,
    transportNote: null,
    canPush: true,
    fetchedAt: NEWEST_AT,
    progress: null,
    error: null,
    ...overrides,
  }
}

export function position(env: string, index: number | null, overrides: Partial<EnvPosition> = {}): EnvPosition {
  return {
    env,
    oid: index === null ? null : oidOf(index),
    ref: index === null ? null : env === 'dev' ? 'refs/heads/master' : `refs/tags/pantheon_${env}_3`,
    subject: index === null ? null : `Commit number ${index}`,
    committedAt: index === null ? null : NEWEST_AT - index * HOUR,
    inClone: true,
    ...overrides,
  }
}

export function gap(from: string, to: string, count: number, overrides: Partial<EnvGap> = {}): EnvGap {
  return {
    from,
    to,
    count,
    commits: Array.from({ length: Math.min(count, 50) }, (_, index) => historyCommit(index)),
    reverseCount: 0,
    reverseCommits: [],
    ...overrides,
  }
}

/** dev at the newest commit, test 4 behind, live 7 behind test. */
export function overview(overrides: Partial<HistoryOverview> = {}): HistoryOverview {
  return {
    repo: repoStatus(),
    positions: [position('dev', 0), position('test', 4), position('live', 11)],
    gaps: [gap('dev', 'test', 4), gap('test', 'live', 7)],
    totalCommits: 250,
    ...overrides,
  }
}

export function hunk(lines: DiffHunk['lines'], overrides: Partial<DiffHunk> = {}): DiffHunk {
  return { oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines, ...overrides }
}

export function fileChange(overrides: Partial<FileChange> = {}): FileChange {
  return {
    path: 'web/index.php',
    oldPath: null,
    status: 'modified',
    similarity: null,
    oldMode: '100644',
    newMode: '100644',
    binary: false,
    added: 1,
    removed: 1,
    hunks: [
      hunk([
        { kind: ' ', text: '<?php', oldNumber: 1, newNumber: 1 },
        { kind: '-', text: "echo 'old';", oldNumber: 2, newNumber: null },
        { kind: '+', text: "echo 'new';", oldNumber: null, newNumber: 2 },
        { kind: ' ', text: '// end', oldNumber: 3, newNumber: 3 },
      ]),
    ],
    cut: false,
    ...overrides,
  }
}

export function commitDetail(index: number, overrides: Partial<CommitDetail> = {}): CommitDetail {
  const commit = historyCommit(index)
  return {
    commit,
    message: `${commit.subject}\n\nWhy it was made, at some length.\nSecond line of the body.\n`,
    committerName: commit.authorName,
    committerEmail: commit.authorEmail,
    comparedWith: commit.parents[0] ?? null,
    files: [fileChange()],
    totals: { files: 1, added: 1, removed: 1 },
    ...overrides,
  }
}

export interface FakeHistory {
  /** The commits main walks, newest first. */
  commits: HistoryCommit[]
  overview: HistoryOverview
}

/** A fake main over a history of `total` commits (each its own parent's child, the last the first commit). */
export function historyHandlers(
  total: number,
  overrides: FakeHandlers = {},
): { state: FakeHistory; handlers: FakeHandlers } {
  const commits = Array.from({ length: total }, (_, index) =>
    historyCommit(index, index === total - 1 ? { parents: [] } : {}),
  )
  const state: FakeHistory = { commits, overview: overview({ totalCommits: total }) }
  const handlers: FakeHandlers = {
    'history:open': () => state.overview,
    'history:page': ({ cursor }): HistoryPage => {
      const offset = cursor === null ? 0 : Number(cursor.slice(1))
      const end = offset + PAGE_SIZE
      return {
        commits: state.commits.slice(offset, end),
        offset,
        cursor: end < state.commits.length ? `p${end}` : null,
      }
    },
    'history:search': ({ query, cursor }): HistorySearchPage => {
      const offset = cursor === null ? 0 : Number(cursor.slice(1))
      const end = Math.min(offset + PAGE_SIZE, state.commits.length)
      const words = query.trim().toLowerCase()
      return {
        query,
        commits: state.commits
          .slice(offset, end)
          .filter((commit) => commit.subject.toLowerCase().includes(words) || commit.oid.startsWith(words)),
        scanned: end,
        cursor: end < state.commits.length ? `s${end}` : null,
      }
    },
    'history:commit': ({ oid }) => {
      const index = state.commits.findIndex((commit) => commit.oid === oid)
      return commitDetail(index < 0 ? 0 : index)
    },
    ...overrides,
  }
  return { state, handlers }
}
