/**
 * One upload per upload link. Two PUTs to one link used to stream into the same part file at
 * once, so the stored archive could hold the loser's bytes, or a mix. Now the first PUT claims
 * the link before it reads a byte; a PUT while that upload runs, or after it completed, is
 * refused (409). An upload that fails or breaks off releases its claim, so the client can
 * simply retry on the same link.
 *
 * Claims live in memory, per platform: after a restart no upload is under way (start-up
 * removes part files), and a completed upload is recognised by its file.
 */
import type { PlatformContext } from '../core'

const claimsByPlatform = new WeakMap<PlatformContext, Set<string>>()

function claimsOf(platform: PlatformContext): Set<string> {
  let claims = claimsByPlatform.get(platform)
  if (!claims) {
    claims = new Set()
    claimsByPlatform.set(platform, claims)
  }
  return claims
}

/** Whether an upload to link `id` is under way. */
export function uploadUnderWay(platform: PlatformContext, id: string): boolean {
  return claimsOf(platform).has(id)
}

/**
 * Claims link `id` for one upload; returns the release function, or undefined when an upload
 * to it is already under way. Synchronous, so two requests can never both get it.
 */
export function claimUpload(platform: PlatformContext, id: string): (() => void) | undefined {
  const claims = claimsOf(platform)
  if (claims.has(id)) return undefined
  claims.add(id)
  return () => {
    claims.delete(id)
  }
}
