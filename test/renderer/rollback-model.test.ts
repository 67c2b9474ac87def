/** The ways back's and the deploys' wording, as pure functions. */
import { describe, expect, it } from 'vitest'
import {
  changeTotals,
  conflictLine,
  deployCommitsLine,
  deployTitle,
  discardedLine,
  heldByConsequence,
  heldByLine,
  isDeployTarget,
  leftBehindLine,
  moreLine,
  resetTitle,
  revertActionLabel,
  revertTitle,
  workflowDoneLine,
} from '../../src/renderer/src/lib/rollback'

const OID = '1a2b3c4d'.padEnd(40, '0')

describe('rollback wording', () => {
  it('names the dialogs and the buttons that carry them out the same way', () => {
    expect(revertTitle('revert', OID)).toBe('Revert 1a2b3c4')
    expect(revertTitle('roll-back', OID)).toBe('Roll back dev to 1a2b3c4')
    expect(revertActionLabel('revert')).toBe('Revert')
    expect(revertActionLabel('roll-back')).toBe('Roll back')
    for (const mode of ['revert', 'roll-back'] as const)
      expect(revertTitle(mode, OID).startsWith(revertActionLabel(mode))).toBe(true)
    expect(resetTitle(OID)).toBe('Reset dev to 1a2b3c4')
    expect(deployTitle('test')).toBe('Deploy to test')
    expect(deployTitle('live')).toBe('Deploy to live')
  })

  it('counts files, conflicts and what a list leaves out', () => {
    expect(changeTotals({ files: 1, added: 1204, removed: 0 })).toBe('1 file changed, 1,204 added, 0 removed')
    expect(changeTotals({ files: 3, added: 2, removed: 5 })).toBe('3 files changed, 2 added, 5 removed')
    expect(conflictLine(1)).toBe('1 file conflicts')
    expect(conflictLine(4)).toBe('4 files conflict')
    expect(moreLine(500, 1_250)).toBe('and 750 more')
    expect(moreLine(5, 5)).toBeNull()
  })

  it('says which environments hold discarded commits and what follows', () => {
    expect(discardedLine(1)).toBe('Resetting discards 1 commit from dev')
    expect(discardedLine(12)).toBe('Resetting discards 12 commits from dev')
    expect(heldByLine({ env: 'test', count: 3 }, 5)).toBe('test holds 3 of them')
    expect(heldByLine({ env: 'live', count: 5 }, 5)).toBe('live holds all 5 of them')
    expect(heldByLine({ env: 'test', count: 1 }, 1)).toBe('test holds it')
    expect(heldByConsequence('test', 3)).toContain('the next deploy from dev takes them out of test')
    expect(heldByConsequence('live', 1)).toContain('the next deploy from test takes it out of live')
  })

  it('words what a deploy brings and leaves behind', () => {
    expect(isDeployTarget('test')).toBe(true)
    expect(isDeployTarget('live')).toBe(true)
    expect(isDeployTarget('dev')).toBe(false)
    expect(deployCommitsLine(1, 'dev', 'test')).toBe('1 commit from dev that test lacks')
    expect(deployCommitsLine(7, 'test', 'live')).toBe('7 commits from test that live lacks')
    expect(leftBehindLine(2, 'dev', 'test')).toBe(
      'test has 2 commits dev no longer has (dev was reset since). A deploy brings test to dev’s code without them; they stay only in test’s earlier deploy tags.',
    )
    expect(leftBehindLine(1, 'dev', 'test')).toContain('without it; it stays only')
  })

  it('says what a finished workflow did, by its type', () => {
    expect(workflowDoneLine({ type: 'do_export', environment: 'dev' })).toBe('The new backup is in the timeline below.')
    expect(workflowDoneLine({ type: 'deploy', environment: 'test' })).toBe('test now runs the deployed code.')
    expect(workflowDoneLine({ type: 'sync_code', environment: 'dev' })).toBe('dev now runs the new commit.')
    expect(workflowDoneLine({ type: 'clear_cache', environment: 'live' })).toBe('Finished.')
  })
})
