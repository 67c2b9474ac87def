/**
 * A site's activity as the page polls it every few seconds while the site is open: every
 * workflow the platform lists for the site (wherever it was started), this app's jobs there,
 * which environments are busy and what each can undo. One request to the platform per call
 * (the workflow list); jobs and undo offers come from the job store.
 */
import type { SiteActivity } from '../../shared/jobs'
import type { JobClient } from './step-workflows'
import type { JobRunner } from './runner'
import { busyEnvironments, undoOffers } from './rules'
import type { Clock } from './wording'

export async function siteActivity(
  client: Pick<JobClient, 'listWorkflows'>,
  runner: Pick<JobRunner, 'jobsOf'>,
  connectionId: string,
  siteId: string,
  clock: Clock,
): Promise<SiteActivity> {
  const workflows = (await client.listWorkflows(siteId)).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))
  const jobs = runner.jobsOf(connectionId, siteId)
  return {
    siteId,
    workflows,
    jobs,
    busy: busyEnvironments(workflows, jobs, clock),
    undo: undoOffers(jobs, clock),
    fetchedAt: clock.now(),
  }
}
