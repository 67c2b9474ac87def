import { describe, expect, it } from 'vitest'
import { createHandlers, type DesktopShell, type HandlerServices } from '../../../src/main/ipc/handlers'
import { invokeChannels } from '../../../src/shared/ipc'
import type { ThemeChoice } from '../../../src/shared/theme'

/** Only `desktop` is read by app:set-theme; the other services are never touched. */
function handlersWith(desktop: DesktopShell | null) {
  return createHandlers({ desktop } as unknown as HandlerServices)
}

describe('app:set-theme', () => {
  it('hands the choice to the desktop shell', async () => {
    const seen: ThemeChoice[] = []
    const handlers = handlersWith({
      revealFile: () => {},
      chooseFolder: async () => null,
      setTheme: (theme) => seen.push(theme),
    })
    await handlers['app:set-theme']({ theme: 'dark' })
    await handlers['app:set-theme']({ theme: 'system' })
    expect(seen).toEqual(['dark', 'system'])
  })

  it('does nothing in browser mode or on a shell without native theming', async () => {
    await expect(Promise.resolve(handlersWith(null)['app:set-theme']({ theme: 'light' }))).resolves.toBeUndefined()
    const bare = handlersWith({ revealFile: () => {}, chooseFolder: async () => null })
    await expect(Promise.resolve(bare['app:set-theme']({ theme: 'light' }))).resolves.toBeUndefined()
  })

  it('takes only System, Light or Dark', () => {
    const request = invokeChannels['app:set-theme'].request
    expect(request.safeParse({ theme: 'dark' }).success).toBe(true)
    expect(request.safeParse({ theme: 'sepia' }).success).toBe(false)
    expect(request.safeParse({ theme: 'dark', extra: 1 }).success).toBe(false)
  })
})
