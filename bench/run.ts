/**
 * `npm run bench [name]`: runs every bench/*.bench.ts (or those whose file name contains
 * `name`) one after another. Each exports `run(): Promise<void>` and prints its figures.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

async function main(): Promise<void> {
  const filter = process.argv[2]
  const dir = import.meta.dirname
  const files = (await readdir(dir))
    .filter((file) => file.endsWith('.bench.ts') && (!filter || file.includes(filter)))
    .sort()
  if (files.length === 0)
    throw new Error(filter ? `No benchmark matches "${filter}".` : 'No benchmarks found in bench/.')
  for (const file of files) {
    console.log(`\n== ${file}`)
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<void> }
    if (typeof mod.run !== 'function') throw new Error(`${file} does not export run().`)
    const started = Date.now()
    await mod.run()
    console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message)
  process.exit(1)
})
