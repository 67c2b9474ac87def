/**
 * A commit's detail for the page: its message and people, and what it changed against its first
 * parent (`git diff <commit>^1 <commit> -M`; a root commit adds every file), each file with
 * git's +/- counts and its hunks. A commit's diff is capped (`COMMIT_DIFF_LINE_LIMIT` lines
 * over all files, `FILE_DIFF_LINE_LIMIT` per file) so a huge commit stays quick to show and
 * to send; the counts are always whole, and `fileDiff` gives one file's complete diff.
 */
import type { CommitDetail, FileChange, FileDiff, HistoryCommit } from '../../shared/history'
import { GitError } from './git-error'
import { changedFiles, fileChangeOf, sidesOf } from './file-diff'
import { parseCommit, type ObjectReader, type ParsedCommit } from './objects'
import { detectRenames, type PathChange } from './renames'
import { diffTrees, throwIfCancelled } from './tree-diff'

function short(oid: string): string {
  return oid.slice(0, 10)
}

async function readCommit(reader: ObjectReader, oid: string): Promise<ParsedCommit> {
  const object = await reader.read(oid)
  if (object.type !== 'commit')
    throw new GitError(
      'git_missing_object',
      `${short(oid)} is a ${object.type}, not a commit. Copy the commit ID from the history and try again.`,
    )
  return parseCommit(oid, object.data)
}

/** Blob contents read once per request: rename detection and the diff read the same blobs. */
function blobLoader(reader: ObjectReader): (oid: string) => Promise<Buffer> {
  const blobs = new Map<string, Promise<Buffer>>()
  return (oid) => {
    let blob = blobs.get(oid)
    if (!blob) {
      blob = reader.read(oid).then((object) => {
        if (object.type !== 'blob')
          throw new GitError(
            'git_corrupt',
            `Object ${short(oid)} should be a file's content (a blob) but is a ${object.type}. Delete the clone and open the history again.`,
          )
        return object.data
      })
      blobs.set(oid, blob)
    }
    return blob
  }
}

interface Comparison {
  readonly commit: ParsedCommit
  readonly parent: string | null
  readonly changes: readonly PathChange[]
  readonly load: (oid: string) => Promise<Buffer>
}

/** The commit's changes against its first parent, with renames found. */
async function compareWithParent(reader: ObjectReader, oid: string, signal?: AbortSignal): Promise<Comparison> {
  const commit = await readCommit(reader, oid)
  const parent = commit.parents[0] ?? null
  const parentTree = parent === null ? null : (await readCommit(reader, parent)).tree
  const treeChanges = await diffTrees(reader, parentTree, commit.tree, signal)
  const load = blobLoader(reader)
  const changes = await detectRenames(treeChanges, load, { signal })
  return { commit, parent, changes, load }
}

/**
 * One commit's detail. `decorate` turns the parsed commit into the history's row (with its
 * environments and tags), which the caller knows and this module does not.
 */
export async function commitDetail(
  reader: ObjectReader,
  oid: string,
  decorate: (commit: ParsedCommit) => HistoryCommit,
  signal?: AbortSignal,
): Promise<CommitDetail> {
  const { commit, parent, changes, load } = await compareWithParent(reader, oid, signal)
  const { files, totals } = await changedFiles(changes, load, () => throwIfCancelled(signal))
  return {
    commit: decorate(commit),
    message: commit.message,
    committerName: commit.committer.name,
    committerEmail: commit.committer.email,
    comparedWith: parent,
    files,
    totals,
  }
}

/**
 * One file's whole diff in a commit (for "Show all"), by its path in the commit (the new path
 * of a rename, the old one of a deletion). Where the path changed kind (a file that became a
 * symlink) both halves carry the path; the longer diff is the one "Show all" asked for.
 */
export async function fileDiff(
  reader: ObjectReader,
  oid: string,
  path: string,
  signal?: AbortSignal,
): Promise<FileDiff> {
  const { changes, load } = await compareWithParent(reader, oid, signal)
  let best: { file: FileChange; shown: number } | null = null
  for (const change of changes) {
    if (change.path !== path) continue
    throwIfCancelled(signal)
    const [before, after] = await sidesOf(change, load)
    const result = fileChangeOf(change, before, after, Infinity)
    if (!best || result.shown > best.shown) best = result
  }
  if (!best)
    throw new GitError(
      'git_missing_object',
      `Commit ${short(oid)} did not change ${path}. Open the commit again to see the files it changed.`,
    )
  return { oid, change: best.file }
}
