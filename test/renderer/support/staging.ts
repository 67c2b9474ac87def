/**
 * Staging as main does it, for the fake bridge: each staged file gets a token that counts the
 * files staged so far (`stagedToken(1)` for the first), so a test can tell which file main was
 * asked to inspect, start or discard. Progress is reported whole, as a small file's would be.
 */
import type { StagedFile } from '../../../src/shared/imports'
import type { FakeBridge } from './fake-bridge'

/** The token of the `index`th file staged (from 1). */
export function stagedToken(index: number): string {
  return `staged-token-${String(index).padStart(6, '0')}`
}

/** How a test stages a file: its answer, from the file, the progress callback and the file's place in the order. */
export type Stager = (
  file: File,
  report: (sent: number, total: number) => void,
  index: number,
) => StagedFile | Promise<StagedFile>

export const stageWhole: Stager = (file, report, index) => {
  report(file.size, file.size)
  return { token: stagedToken(index), name: file.name, size: file.size, packedFolder: false, stagedAt: Date.now() }
}

/** Makes the fake bridge stage files with `stager` (every file whole by default). */
export function stageWith(fake: FakeBridge, stager: Stager = stageWhole): void {
  // The fake records the file before it asks the stager, so the count includes this one.
  fake.handleStage((file, onProgress) => stager(file, (sent, total) => onProgress?.(sent, total), fake.staged.length))
}
