/**
 * What the code history says about where a site's repository comes from: the status a site
 * starts with, why a platform's repository cannot be cloned (Pantheon's SSH, no git address),
 * and the note on a local clone the person opened (read, never fetched; pushing from a
 * terminal; an origin that does not name the site). Wording only: HistoryService decides.
 */
import type { RepoStatus } from '../../shared/history'
import { displayUrl, isSshUrl } from './transport'

const SSH_FACT = 'Pantheon’s git is reached over SSH, which the app’s git library cannot speak.'
const PUSH_NOTE = 'Pushing from the app is not possible on this connection: push from a terminal.'
const LOCAL_NOTE = 'The app reads this clone and never fetches it. Fetch in a terminal to see new commits.'

/** A site's status before anything is known: waiting for a clone to read. */
export function initialStatus(siteId: string): RepoStatus {
  return {
    siteId,
    state: 'needs-local-clone',
    source: null,
    localPath: null,
    transportNote: null,
    canPush: false,
    fetchedAt: null,
    progress: null,
    error: null,
  }
}

/** The origin URL as a note may quote it: no password. */
function safeOrigin(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !isSshUrl(url) ? displayUrl(url) : url.replace(/:[^@/]*@/, '@')
}

/** Why the app cannot clone the site itself, and what to do: `url` is its git address, if any. */
export function unclonableNote(url: string | null): string {
  return url
    ? `${SSH_FACT} Open a clone you already have (in a terminal: git clone ${url}) and the history and diffs work on it. ${PUSH_NOTE}`
    : 'This platform gives no git address for the site, so the app cannot clone it. Open a clone you already have and the history and diffs work on it.'
}

/** The note on a local clone: read and never fetched, and whether its origin names the site. */
export function localCloneNote(pantheon: boolean, origin: string | null, siteId: string, siteName: string): string {
  const warning =
    origin === null
      ? ' This clone has no origin remote, so the app cannot tell whether it is a clone of this site: check that it is.'
      : [siteId, siteName].some((name) => name !== '' && origin.includes(name))
        ? ''
        : ` Its origin (${safeOrigin(origin)}) does not name this site (${siteName}): check that it is a clone of it.`
  return `${pantheon ? `${SSH_FACT} ` : ''}${LOCAL_NOTE}${pantheon ? ` ${PUSH_NOTE}` : ''}${warning}`
}
