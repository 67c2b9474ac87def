/**
 * Browser notifications for jobs that end while the person looks elsewhere, in browser mode only
 * (Electron's main process notifies by itself). Permission is asked only from a person's own act
 * (submitting a restore, undo or clone): asking on load is refused by browsers and unkind.
 * Every entry point copes with a browser that has no `Notification`.
 */

function supported(): boolean {
  return typeof Notification !== 'undefined'
}

/** Asks for permission if the person was never asked; call it from a submit handler, before any await. */
export function askNotificationPermission(): void {
  if (!supported() || Notification.permission !== 'default') return
  try {
    // Older Safari answers through a callback and returns undefined instead of a promise.
    const answer = Notification.requestPermission() as Promise<NotificationPermission> | undefined
    void answer?.catch(() => undefined)
  } catch {
    // A browser that throws here simply shows no notifications; the page shows the result anyway.
  }
}

/** Shows a notification when the page is not focused and permission was granted; returns whether it did. */
export function notifyUnfocused(title: string, body: string): boolean {
  if (!supported() || Notification.permission !== 'granted') return false
  if (typeof document !== 'undefined' && document.hasFocus()) return false
  try {
    new Notification(title, { body })
    return true
  } catch {
    // Some browsers allow notifications only from a service worker; the page still shows the result.
    return false
  }
}
