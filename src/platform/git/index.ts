/**
 * Git for the embedded platform, through the `git` command line: bare site repositories, refs
 * and deploy tags, code logs, code archives, and git's smart HTTP protocol (see ./http).
 */
export { GitError, runGit } from './run'
export {
  codeLogDatetime,
  commitAtOrBefore,
  commitLog,
  createAnnotatedTag,
  deleteRef,
  importCodeArchive,
  initBareRepo,
  listRefs,
  reachableCommits,
  resolveCommit,
  setRef,
  writeCodeArchive,
  type CommitInfo,
  type ScratchOptions,
} from './repo'
export { serveGitHttp, type RefUpdate } from './http'
