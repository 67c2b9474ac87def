/** Shared set-up for the download manager tests: temp folders, requests, waiting for states. */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import type { DownloadItem, DownloadRequest, DownloadState } from '../../../src/shared/downloads'
import type { DownloadManager } from '../../../src/main/downloads/manager'
import type { ServedRequest, SignedServer } from './signed-server'

/** A temp folder removed by the returned clean-up. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'restore-desk-dl-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A gzipped "SQL dump" of about `rawBytes` bytes that does not compress to nothing. */
export function sqlGz(rawBytes: number): Buffer {
  const lines: string[] = ['-- MySQL dump 10.13\n', 'CREATE TABLE node (nid int, title text);\n']
  let size = 0
  while (size < rawBytes) {
    const line = `INSERT INTO node VALUES (${size}, '${randomBytes(48).toString('base64')}');\n`
    lines.push(line)
    size += line.length
  }
  return gzipSync(lines.join(''), { level: 1 })
}

/** A request for `filename` of `size` bytes into `destDir`. */
export function requestFor(
  filename: string,
  size: number,
  destDir: string,
  element: DownloadRequest['element'] = 'database',
): DownloadRequest {
  return {
    connectionId: 'embedded',
    siteId: 'site-1',
    siteName: 'demo-drupal',
    env: 'live',
    folder: '1700000000_automated',
    element,
    filename,
    expectedSize: size,
    destDir,
  }
}

/** Resolves with the item once `predicate` holds for it (checked at every change). */
export function waitFor(
  manager: DownloadManager,
  id: string,
  predicate: (item: DownloadItem) => boolean,
  timeoutMs = 20_000,
): Promise<DownloadItem> {
  return new Promise((resolve, reject) => {
    const current = manager.get(id)
    if (current && predicate(current)) return resolve(current)
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`Timed out waiting; last state: ${JSON.stringify(manager.get(id))}`))
    }, timeoutMs)
    const stop = manager.subscribe((change) => {
      if (change.id === id && predicate(change.item)) {
        clearTimeout(timer)
        stop()
        resolve(change.item)
      }
    })
  })
}

/** Resolves once the download reaches one of `states`. */
export function waitForState(manager: DownloadManager, id: string, ...states: DownloadState[]): Promise<DownloadItem> {
  return waitFor(manager, id, (item) => states.includes(item.state))
}

/** Resolves once the download has received more than `moreThanBytes` bytes. */
export function waitForReceived(manager: DownloadManager, id: string, moreThanBytes: number): Promise<DownloadItem> {
  return waitFor(manager, id, (item) => item.receivedBytes > moreThanBytes)
}

/** Every request the signed server has answered for `name`, oldest first. */
export function servedRequests(server: SignedServer, name: string): ServedRequest[] {
  return server.requests.filter((r) => r.name === name)
}

/** Asserts two byte strings are identical (vitest's deep equality is slow on megabytes). */
export function expectSameBytes(actual: Buffer, expected: Buffer): void {
  if (!actual.equals(expected)) {
    throw new Error(`The bytes differ: got ${actual.length} bytes, expected ${expected.length} bytes`)
  }
}

/** The SHA-256 of `bytes` as lowercase hex, as the downloads list shows it. */
export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}
