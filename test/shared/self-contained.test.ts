/**
 * The repository stands on its own: a clone with nothing beside it builds, tests and reads
 * correctly. Nothing under src/, test/, bench/, docs/, the README or the root configuration
 * may point outside the repository: no relative path that climbs above the root (in code,
 * comments or Markdown links), no path built with `join(here, '..', ...)` that does, and no
 * mention of the folder that used to sit beside the repository. Markdown links inside the
 * repository must name files that exist.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/fixtures'

const SCANNED_DIRS = ['src', 'test', 'bench', 'docs']
const TEXT = /\.(ts|mts|js|mjs|cjs|vue|json|md|css|html|ya?ml|txt)$/
const SKIPPED_ROOT_FILES = new Set(['package-lock.json'])
/** This file spells out the references it looks for. */
const SELF = path.join(repoRoot, 'test', 'shared', 'self-contained.test.ts')

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') await walk(full, out)
    } else if (TEXT.test(entry.name) && full !== SELF) out.push(full)
  }
}

/** Every file the guard reads, as absolute paths. */
async function scannedFiles(): Promise<string[]> {
  const files: string[] = []
  for (const dir of SCANNED_DIRS) {
    const full = path.join(repoRoot, dir)
    if (await stat(full).catch(() => null)) await walk(full, files)
  }
  for (const entry of await readdir(repoRoot, { withFileTypes: true }))
    if (entry.isFile() && TEXT.test(entry.name) && !SKIPPED_ROOT_FILES.has(entry.name))
      files.push(path.join(repoRoot, entry.name))
  return files.sort()
}

const inside = (target: string): boolean => {
  const relative = path.relative(repoRoot, target)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** `./x` and `../x` paths, wherever they appear (imports, strings, comments, prose). */
const RELATIVE_PATH = /(?<![\w./@-])\.\.?\/[^\s'"`)\]>,;*]*/g
/** `join(import.meta.dirname, '..', 'x')` and the like: literal segments after a known base. */
const JOINED_PATH =
  /\b(?:join|resolve)\(\s*(import\.meta\.dirname|__dirname|repoRoot)\s*,\s*((?:(['"`])[^'"`]*\3\s*,?\s*)+)\)/g
/** The folder that once sat beside the repository, by the names of what it held. */
const SIBLING_FOLDER = /pantheon-fixtures|\.\.\/shared\/(platform-api|CONVENTIONS|GIT-NOTES)/

/** Problems in one file, as `file:line: what`. */
function findOutsideReferences(file: string, text: string): string[] {
  const problems: string[] = []
  const dir = path.dirname(file)
  const name = path.relative(repoRoot, file)
  text.split('\n').forEach((line, index) => {
    const where = `${name}:${index + 1}`
    if (SIBLING_FOLDER.test(line)) problems.push(`${where}: names a folder outside the repository`)
    for (const match of line.matchAll(RELATIVE_PATH)) {
      if (!inside(path.resolve(dir, match[0]))) problems.push(`${where}: "${match[0]}" points outside the repository`)
    }
    for (const match of line.matchAll(JOINED_PATH)) {
      const base = match[1] === 'repoRoot' ? repoRoot : dir
      const segments = [...(match[2] ?? '').matchAll(/(['"`])([^'"`]*)\1/g)].map((m) => m[2] ?? '')
      if (!inside(path.resolve(base, ...segments)))
        problems.push(`${where}: ${match[0]} builds a path outside the repository`)
    }
  })
  return problems
}

/** Relative Markdown link targets (`[text](path)`) that name no file or folder in the repository. */
async function brokenMarkdownLinks(file: string, text: string): Promise<string[]> {
  const problems: string[] = []
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (match[1] ?? '').split('#')[0] ?? ''
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    const resolved = path.resolve(path.dirname(file), decodeURIComponent(target))
    if (!inside(resolved) || !(await stat(resolved).catch(() => null)))
      problems.push(`${path.relative(repoRoot, file)}: the link to "${match[1]}" names nothing in the repository`)
  }
  return problems
}

describe('the repository is self-contained', () => {
  it('has no reference that leaves the repository, and every Markdown link lands', async () => {
    const files = await scannedFiles()
    expect(files.length).toBeGreaterThan(100)
    const problems: string[] = []
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      problems.push(...findOutsideReferences(file, text))
      if (file.endsWith('.md')) problems.push(...(await brokenMarkdownLinks(file, text)))
    }
    expect(problems).toEqual([])
  })

  it('catches each kind of outside reference it looks for', () => {
    const here = path.join(repoRoot, 'test', 'platform', 'x.test.ts')
    expect(findOutsideReferences(here, "const F = join(import.meta.dirname, '../../../shared/data')")).not.toEqual([])
    expect(findOutsideReferences(here, "const F = join(import.meta.dirname, '..', '..', '..', 'other')")).not.toEqual(
      [],
    )
    expect(findOutsideReferences(here, 'export const dir = path.resolve(repoRoot, "..")')).not.toEqual([])
    expect(findOutsideReferences(path.join(repoRoot, 'README.md'), 'the [API](../shared/x.md)')).not.toEqual([])
    expect(findOutsideReferences(here, ' * (see the recordings in pantheon-fixtures)')).not.toEqual([])
    // Inside the repository: fine.
    expect(findOutsideReferences(here, "import { x } from '../../src/platform/index'")).toEqual([])
    expect(findOutsideReferences(here, "const root = path.resolve(import.meta.dirname, '../..')")).toEqual([])
    expect(findOutsideReferences(here, "if (segments.includes('..')) throw unsafe('a \"..\" segment')")).toEqual([])
  })
})
