/**
 * Finds Debian's Chromium (or CHROMIUM_PATH) for playwright-core. A missing
 * browser is a failure with instructions, never a silent skip.
 */
import { access, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** Path of a usable Chromium, or a thrown error that says how to install one. */
export async function findChromium(): Promise<string> {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CANDIDATES
  for (const candidate of candidates) {
    try {
      await access(candidate)
      return candidate
    } catch {
      // next
    }
  }
  throw new Error(
    `No Chromium found (looked at ${candidates.join(', ')}). The end-to-end tests need one: ` +
      'on Debian/Ubuntu run `sudo apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium/Chrome binary.',
  )
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  })
}

async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve('test-results')
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, `${name.replace(/[^\w-]+/g, '_')}.png`)
  await page.screenshot({ path: file, fullPage: true }).catch(() => {})
  return file
}

/**
 * Runs a step; on failure saves a screenshot under test-results/ and rethrows. With
 * `E2E_SCREENSHOTS=1` it saves one after every step that passed too, to look at the screens.
 */
export async function withScreenshot<T>(page: Page, name: string, step: () => Promise<T>): Promise<T> {
  let result: T
  try {
    result = await step()
  } catch (error) {
    const file = await saveScreenshot(page, name)
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`
    throw error
  }
  if (process.env.E2E_SCREENSHOTS === '1') await saveScreenshot(page, name)
  return result
}
