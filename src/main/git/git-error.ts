/**
 * The git module's one error type. Whatever fails underneath (isomorphic-git's own errors, a
 * damaged pack, an HTTP failure, a cancelled operation) reaches the page as a GitError whose
 * message says what happened and what to do next, and whose code the page can branch on.
 */
import { AppError } from '../errors'

export type GitErrorCode =
  /** The person (or a newer request) stopped the operation. */
  | 'git_cancelled'
  /** The site has no repository the app can read yet (not cloned, or the clone was removed). */
  | 'git_no_repository'
  /** A folder the person named is not a git repository, or not a clone of this site. */
  | 'git_not_a_repository'
  /** A commit, tree or blob the operation needs is not in the clone. */
  | 'git_missing_object'
  /** The clone's files are damaged (a pack that does not parse, an object that does not inflate). */
  | 'git_corrupt'
  /** The remote refused the credentials. */
  | 'git_auth'
  /** The remote could not be reached, or answered with something that is not git. */
  | 'git_remote'
  /** The remote speaks a transport the library cannot (SSH). */
  | 'git_unsupported_transport'
  /** A cursor from an older walk (the history moved, or the worker restarted): start again. */
  | 'git_stale_cursor'
  /** The remote's branch moved since the last fetch: a push with a lease was refused (fetch and look again). */
  | 'git_lease'
  /** A revert or merge conflicts: nothing was changed. */
  | 'git_conflict'
  /** The working folder of a local clone has changes that an update would overwrite. */
  | 'git_dirty'
  /** The remote refused the push (a hook, a protected branch). */
  | 'git_push_refused'
  /** The git worker stopped unexpectedly. */
  | 'git_worker'

/** A git failure with a message a person can act on. */
export class GitError extends AppError {
  declare readonly code: GitErrorCode
  constructor(code: GitErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'GitError'
  }
}
