/**
 * What the diff and clone benchmarks of the code history share: the generated repository
 * history-walk.bench.ts measures (20,000 commits, 5,000 files, merges, packed with `git gc`),
 * medians, and the `history: <what> iso/native = R (...)` line. Named without `.bench` so that
 * bench/run.ts does not run it as a benchmark.
 */
import { generateRepo, git, type GeneratedRepo } from '../test/helpers/git-history'

export const COMMITS = 20_000
export const FILES = 5_000

export async function millis(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('A median needs at least one value.')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export async function medianOf(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < runs; run += 1) times.push(await millis(work))
  return median(times)
}

/** `history: <what> iso/native = R (iso X <unit>, native Y <unit>)`; R below 1 means we are faster. */
export function report(what: string, iso: number, native: number, unit = 'ms'): void {
  console.log(
    `history: ${what} iso/native = ${(iso / native).toFixed(2)} (iso ${iso.toFixed(1)} ${unit}, native ${native.toFixed(1)} ${unit})`,
  )
}

/** Bytes in mebibytes. */
export const mebibytes = (bytes: number): number => bytes / 1024 / 1024

/**
 * Generates the benchmark repository (bare) in `dir`, lets `beforeGc` add to it (tags), packs it
 * with `git gc` and prints one line saying what it is and what it took.
 */
export async function benchRepository(
  dir: string,
  beforeGc: (repo: GeneratedRepo) => Promise<void> = async () => undefined,
): Promise<GeneratedRepo> {
  let repo: GeneratedRepo | undefined
  const generated = await millis(async () => {
    repo = await generateRepo(dir, {
      commits: COMMITS,
      files: FILES,
      mergeEvery: 10,
      sameSecondRuns: 60,
      seed: 2024,
      bare: true,
    })
    await beforeGc(repo)
  })
  const gc = await millis(() => git(dir, 'gc', '-q'))
  const pack = await git(dir, 'count-objects', '-v', '-H')
  console.log(
    `   repository: ${COMMITS} commits, ${FILES} files, ${/size-pack: (.*)/.exec(pack)?.[1] ?? '?'} packed; generated in ${(generated / 1000).toFixed(1)} s, gc in ${(gc / 1000).toFixed(1)} s`,
  )
  return repo as GeneratedRepo
}
