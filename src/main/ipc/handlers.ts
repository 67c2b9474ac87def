/** The contract's handlers: one plain function per channel, over the app context. */
import type { AppContext } from '../context'
import type { IpcHandlers } from './router'

/** Builds the full handler map; TypeScript refuses a map that misses a channel. */
export function createHandlers(context: AppContext): IpcHandlers {
  return {
    'app:info': () => context.info(),
  }
}
