/**
 * Schemas of the inspections as saved state holds them (an upload step keeps the inspection it
 * converts by, in jobs.json): read back checked, never cast.
 */
import { z } from 'zod'
import type { DatabaseInspection, FilesInspection } from '../../shared/imports'

const count = z.number().int().nonnegative()

export const databaseInspectionSchema: z.ZodType<DatabaseInspection> = z.object({
  kind: z.literal('database'),
  format: z.enum(['sql', 'sql.gz', 'sql.zip']),
  tool: z.string().nullable(),
  serverVersion: z.string().nullable(),
  tables: z.array(z.object({ name: z.string(), rows: count })),
  uncompressedBytes: count,
  innerName: z.string().nullable(),
})

export const filesInspectionSchema: z.ZodType<FilesInspection> = z.object({
  kind: z.literal('files'),
  format: z.enum(['tar.gz', 'tar', 'zip']),
  fileCount: count,
  dirCount: count,
  totalBytes: count,
  topFolder: z.string().nullable(),
  largest: z.array(z.object({ path: z.string(), size: count })),
})

export const inspectionDetailSchema = z.union([databaseInspectionSchema, filesInspectionSchema])
