/**
 * The import boundaries the layout promises (README, "Layout"), held by lint: each case lints a
 * small source text as if it lived at the given path and expects the boundary's message.
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname })

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('import boundaries', () => {
  it('src/main reaches the platform only through its entry', async () => {
    expect(
      await restrictedImports('src/main/api/probe.ts', "export { startPlatform } from '../../platform'\n"),
    ).toEqual([])
    const inner = await restrictedImports(
      'src/main/api/probe.ts',
      "export { readTar } from '../../platform/routes/api'\n",
    )
    expect(inner.join()).toMatch(/only its entry/)
  })

  it('the platform and src/lib never import the app', async () => {
    for (const file of ['src/platform/probe.ts', 'src/lib/probe.ts']) {
      expect((await restrictedImports(file, "export { AppError } from '../main/errors'\n")).join()).toMatch(
        /never import the app/,
      )
    }
  })

  it('components and views never import the API client', async () => {
    for (const file of ['src/renderer/src/components/Probe.ts', 'src/renderer/src/views/Probe.ts']) {
      for (const specifier of ['../api/client', '../api/client.ts', '../api/http-bridge.js'])
        expect((await restrictedImports(file, `export { useApi } from '${specifier}'\n`)).join()).toMatch(/use a store/)
    }
    expect(
      await restrictedImports('src/renderer/src/stores/probe.ts', "export { useApi } from '../api/client'\n"),
    ).toEqual([])
  })

  it('keeps Electron out of everything but the bootstrap and its adapters', async () => {
    const code = "export { app } from 'electron'\n"
    expect((await restrictedImports('src/main/api/probe.ts', code)).join()).toMatch(/Only src\/main\/index.ts/)
    expect((await restrictedImports('src/lib/probe.ts', code)).join()).toMatch(/Only src\/main\/index.ts/)
    expect(await restrictedImports('src/main/downloads/electron-probe.ts', code)).toEqual([])
  })
})
