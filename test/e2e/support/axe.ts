/**
 * Runs axe-core's rules (all of its default set: WCAG 2.x A and AA plus best practices) in the
 * page and describes every violation in one readable block, so a failing test says which rule,
 * where and why. axe's source is evaluated through the DevTools protocol: the page's CSP (script-src
 * 'self') rightly refuses an inline script tag.
 */
import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'

const require = createRequire(import.meta.url)
let source: Promise<string> | null = null

interface AxeNode {
  readonly target: readonly string[]
  readonly failureSummary?: string
}
interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly AxeNode[]
}

/** The violations axe finds in the page as it is now, one line per element ("" when none). */
export async function axeViolations(page: Page): Promise<string> {
  source ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8')
  const loaded = await page.evaluate(() => 'axe' in globalThis)
  if (!loaded) await page.evaluate(`${await source}\n;undefined`)
  const violations = await page.evaluate(async () => {
    // With no context axe checks the whole document.
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe
    return (await axe.run()).violations
  })
  return (violations as AxeViolation[])
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.help} at ${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s+/g, ' ')}`,
      ),
    )
    .join('\n')
}
