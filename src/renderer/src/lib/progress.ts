/**
 * A progress bar's value. A full bar says "done"; a step that has sent its last byte or reached
 * its last task is still waiting for the platform (checksum, import, the workflow's own end),
 * so until it is done the bar stops at 99 %.
 */

/** The most a bar shows while its step still runs. */
export const RUNNING_CAP = 99

/** Whole percent of `done` out of `total`: 100 only when `finished`, at most {@link RUNNING_CAP} before. */
export function progressPercent(done: number, total: number, finished: boolean): number {
  if (finished) return 100
  if (!(total > 0) || !(done > 0)) return 0
  return Math.min(RUNNING_CAP, Math.floor((done / total) * 100))
}
