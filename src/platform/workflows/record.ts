/**
 * The stored form of a workflow and its public (contract + Pantheon-shaped) JSON.
 * Pantheon's workflows carry many bookkeeping fields (tasks, traces, timings); the
 * embedded platform fills them with honest local values so clients written against
 * Pantheon find every field they expect.
 */
import { z } from 'zod'
import type { UserRecord } from '../storage/state'

/** One message in a workflow's log. */
export interface WorkflowMessage {
  readonly message: string
  readonly level: 'info' | 'warning' | 'error'
}

/** A workflow as persisted in workflows/<id>.json. Mutated only by the queue. */
export interface WorkflowRecord {
  readonly id: string
  /** Start order across the whole platform; breaks ties between equal created_at. */
  readonly seq: number
  readonly type: string
  readonly site_id: string
  readonly environment: string
  readonly params: Readonly<Record<string, unknown>>
  readonly description: string
  readonly user_id: string | null
  readonly created_at: number
  active_description: string
  phase: 'created' | 'started' | 'finished'
  result: null | 'succeeded' | 'failed' | 'aborted'
  step: number
  number_of_tasks: number
  started_at: number | null
  finished_at: number | null
  reason: string
  messages: Record<string, WorkflowMessage>
  /** How many times it was started (a restart runs an interrupted workflow again). */
  runs: number
  /** Decisions a rerun must repeat identically (backup folder, deploy tag…). */
  internal: Record<string, string | number>
}

const messageSchema: z.ZodType<WorkflowMessage> = z.object({
  message: z.string(),
  level: z.enum(['info', 'warning', 'error']),
})

/** The schema a stored workflow is checked against when the queue loads it. */
export const workflowRecordSchema: z.ZodType<WorkflowRecord> = z.object({
  id: z.string().min(1),
  seq: z.number().int().nonnegative(),
  type: z.string().min(1),
  site_id: z.string().min(1),
  environment: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  description: z.string(),
  user_id: z.string().nullable(),
  created_at: z.number(),
  active_description: z.string(),
  phase: z.enum(['created', 'started', 'finished']),
  result: z.enum(['succeeded', 'failed', 'aborted']).nullable(),
  step: z.number().int(),
  number_of_tasks: z.number().int().nonnegative(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
  reason: z.string(),
  messages: z.record(z.string(), messageSchema),
  runs: z.number().int().nonnegative(),
  internal: z.record(z.string(), z.union([z.string(), z.number()])),
})

function taskIds(record: WorkflowRecord): string[] {
  return Array.from(
    { length: record.number_of_tasks },
    (_, index) => `${record.id.slice(0, 24)}${String(index + 1).padStart(12, '0')}`,
  )
}

/** The JSON a client sees for a workflow. */
export function publicWorkflow(
  record: WorkflowRecord,
  user: UserRecord | undefined,
  baseUrl: string,
): Record<string, unknown> {
  const ids = taskIds(record)
  const finished = record.phase === 'finished'
  const runTime =
    record.started_at !== null && record.finished_at !== null ? record.finished_at - record.started_at : null
  const totalTime = record.finished_at !== null ? record.finished_at - record.created_at : null
  const traceId = record.id
  const currentTaskId = ids[Math.min(Math.max(record.step, 1), ids.length) - 1] ?? record.id
  const finalTaskId = ids[ids.length - 1] ?? record.id
  const failed = record.result === 'failed'
  const userJson = user
    ? {
        user_id: user.id,
        id: user.id,
        email: user.email,
        created_at: user.createdAt,
        is_registered: true,
        created_organization_id: null,
        destination_organization_id: null,
        password: '',
        auth0_user_id: `local|${user.id}`,
      }
    : null
  const task = (id: string, phase: string, result: string | null) => ({
    id,
    key: String(Math.floor(record.created_at)),
    type: 'platform',
    fn_name: record.type,
    environment: record.environment,
    site_id: record.site_id,
    user_id: record.user_id,
    workflow_id: record.id,
    trace_id: traceId,
    params: record.params,
    phase,
    result,
    reason: failed ? record.reason : '',
    error_details: failed ? record.reason : '',
    internal_reason: '',
    has_error: failed,
    allow_concurrent: false,
    host: null,
    build: {},
    build_url: null,
    responses: [] as unknown[],
    messages: record.messages,
    created_at: record.created_at,
    queued_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    queued_time: record.started_at !== null ? record.started_at - record.created_at : null,
    run_time: runTime,
    total_time: totalTime,
    trace_log_url: `${baseUrl}/api/sites/${record.site_id}/workflows/${record.id}`,
  })
  return {
    id: record.id,
    type: record.type,
    site_id: record.site_id,
    environment: record.environment,
    environment_id: record.environment,
    params: record.params,
    description: record.description,
    active_description: record.active_description,
    phase: record.phase,
    result: record.result,
    step: record.step,
    number_of_tasks: record.number_of_tasks,
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    reason: failed ? record.reason : '',
    final_task: { ...task(finalTaskId, record.phase, record.result), reason: record.reason, messages: record.messages },
    final_task_id: finished ? finalTaskId : null,
    waiting_for_task_id: finished ? null : currentTaskId,
    waiting_for_task: task(currentTaskId, record.phase, record.result),
    task_ids: ids,
    operations: [] as unknown[],
    quicksilver_post_tasks: [] as unknown[],
    user_id: record.user_id,
    user: userJson,
    user_email: user?.email ?? null,
    role: 'owner',
    key: String(Math.floor(record.created_at)),
    trace_id: traceId,
    trace_log_url: `${baseUrl}/api/sites/${record.site_id}/workflows/${record.id}`,
    keep_forever: false,
    has_operation_log_output: Object.keys(record.messages).length > 0,
    queued_time: null,
    run_time: runTime,
    total_time: totalTime,
  }
}
