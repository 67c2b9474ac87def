/**
 * One repository with every kind of change the commit view must get right, built with native
 * git: a root commit, a commit with adds, edits, deletions, renames (exact, small edit, large
 * edit), binary files, an exec-bit change, links, a removed folder, line-ending and
 * end-of-file cases, an empty file, changes of kind, unicode paths and a submodule, then a
 * branch and a merge.
 */
import { DiffRepo } from './diff-repo'

export interface Scenario {
  readonly repo: DiffRepo
  readonly root: string
  readonly big: string
  readonly side: string
  readonly ours: string
  readonly merge: string
}

/** Lines that read like code, numbered so each is distinct unless a test repeats one on purpose. */
export function codeLines(name: string, count: number, from = 1): string[] {
  const lines: string[] = []
  for (let i = from; i < from + count; i++) {
    if (i % 10 === 0) lines.push('')
    else if (i % 10 === 1) lines.push(`function ${name}${i}(input) {`)
    else if (i % 10 === 9) lines.push('}')
    else lines.push(`  const value${i} = input.${name}[${i}] ?? ${i * 7} // ${name} line ${i}`)
  }
  return lines
}

export function text(lines: readonly string[], eol = '\n'): string {
  return lines.map((line) => line + eol).join('')
}

/** A real PNG's first bytes (signature, IHDR with its NULs) and some pixels' worth of bytes. */
export function pngBytes(seed: number, size = 600): Buffer {
  const header = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex')
  const body = Buffer.alloc(size)
  let state = seed
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    body[i] = state >> 16
  }
  return Buffer.concat([header, body])
}

export async function buildScenario(): Promise<Scenario> {
  const repo = await DiffRepo.create()
  const notes = codeLines('notes', 60)
  const legacy = codeLines('legacy', 30)
  const app = codeLines('app', 80)

  await repo.write('README.md', text(codeLines('readme', 40)))
  await repo.write('src/app.js', text(app))
  await repo.write('src/util.js', text(codeLines('util', 25)))
  await repo.write('docs/guide.md', text(codeLines('guide', 30)))
  await repo.write('docs/notes.md', text(notes))
  await repo.write('docs/legacy.md', text(legacy))
  await repo.write('docs/plan.md', text(codeLines('plan', 30)))
  await repo.write('lib/helpers.js', text(codeLines('helpers', 40)))
  await repo.write('assets/logo.png', pngBytes(1))
  await repo.write(
    'assets/data.bin',
    Buffer.concat([Buffer.from('header line\n'), Buffer.from([0]), Buffer.from('tail\n')]),
  )
  await repo.write('bin/run.sh', '#!/bin/sh\necho run\n', 0o644)
  await repo.write('old/a.txt', 'a\n')
  await repo.write('old/b.txt', 'b\nb\n')
  await repo.write('old/deep/c.txt', 'c\n')
  await repo.write('no-eol.txt', 'one\ntwo\nthree')
  await repo.write('eol-add.txt', 'x\ny')
  await repo.write('eol-remove.txt', 'p\nq\n')
  await repo.write('crlf.txt', text(['first', 'second', 'third', 'fourth'], '\r\n'))
  await repo.write('mixed.txt', text(['one', 'two', 'three', 'four', 'five']))
  await repo.write('café/naïve.txt', 'bonjour\nça va\n')
  await repo.write('日本語.md', '# 見出し\n本文\n')
  await repo.write('kind.txt', 'was a file\n')
  await repo.write('thing', 'a file that becomes a folder\n')
  for (let i = 0; i < 12; i++) await repo.write(`untouched/part-${i}.txt`, `part ${i}\n`)
  await repo.submodule('vendor/lib', '1111111111111111111111111111111111111111')
  const root = await repo.commit('First commit')

  const readme = codeLines('readme', 40)
  readme[3] = 'an edited line near the top'
  readme.splice(30, 2, 'two lines became', 'three lines', 'near the end')
  await repo.write('README.md', text(readme))
  const edited = [...app]
  edited.splice(10, 0, '  // an inserted comment', '  const inserted = true')
  edited.splice(40, 3)
  edited[60] = '  return replaced'
  await repo.write('src/app.js', text(edited))
  await repo.write('src/new.js', text(codeLines('fresh', 15)))
  await repo.remove('src/util.js')
  await repo.remove('docs/guide.md')
  await repo.write('handbook/guide.md', text(codeLines('guide', 30)))
  await repo.remove('docs/notes.md')
  const notesEdited = [...notes]
  notesEdited.splice(20, 4, 'a small edit of the notes', 'in two lines')
  await repo.write('docs/notes-2024.md', text(notesEdited))
  await repo.remove('docs/legacy.md')
  // Just under half of it kept: git's -M50% does not call it a rename.
  await repo.write('archive/history.md', text([...legacy.slice(0, 14), ...codeLines('legacx', 16, 15)]))
  // Just over half kept, under another name.
  await repo.remove('docs/plan.md')
  await repo.write('plans/roadmap.md', text([...codeLines('plan', 17), ...codeLines('plam', 13, 18)]))
  // Moved with an edit, same base name: git's base-name step pairs it.
  await repo.remove('lib/helpers.js')
  await repo.write('src/lib/helpers.js', text([...codeLines('helpers', 34), ...codeLines('helperz', 6, 35)]))
  await repo.write('assets/logo.png', pngBytes(2))
  await repo.write('assets/icon.png', pngBytes(3, 200))
  await repo.write(
    'assets/data.bin',
    Buffer.concat([Buffer.from('header line\n'), Buffer.from([0, 1, 0]), Buffer.from('new tail\n')]),
  )
  await repo.chmod('bin/run.sh', 0o755)
  await repo.link('link-to-readme', 'README.md')
  await repo.remove('old')
  await repo.write('no-eol.txt', 'one\ntwo\nTHREE')
  await repo.write('eol-add.txt', 'x\ny\n')
  await repo.write('eol-remove.txt', 'p\nq')
  await repo.write('crlf.txt', text(['first', 'SECOND', 'third', 'fourth'], '\r\n'))
  await repo.write('mixed.txt', 'one\ntwo\r\nthree\nfour\r\nfive\n')
  await repo.write('empty.txt', '')
  await repo.write('café/naïve.txt', 'bonjour\nça va bien\n')
  await repo.write('日本語/説明.txt', '新しい\n')
  await repo.link('kind.txt', 'README.md')
  await repo.remove('thing')
  await repo.write('thing/inner.txt', 'now a folder\n')
  await repo.submodule('vendor/lib', '2222222222222222222222222222222222222222')
  const big = await repo.commit('Many kinds of change\n\nThe body explains why.\n')

  await repo.git('checkout', '-q', '-b', 'side')
  const sideApp = [...edited]
  sideApp.splice(70, 1, '  // changed on the side branch')
  await repo.write('src/app.js', text(sideApp))
  await repo.write('side.txt', 'from the side\n')
  const side = await repo.commit('Side work')
  await repo.git('checkout', '-q', 'master')
  const readmeOurs = [...readme]
  readmeOurs[0] = 'a change on master'
  await repo.write('README.md', text(readmeOurs))
  const ours = await repo.commit('Master work')
  await repo.git('merge', '-q', '--no-ff', '-m', 'Merge branch side', 'side')
  const merge = await repo.git('rev-parse', 'HEAD')
  return { repo, root, big, side, ours, merge }
}
