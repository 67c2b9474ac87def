/**
 * One history with every kind of commit a revert must get right, built with native git: an
 * edit, a binary edit, an exec-bit change (the file edited later too), an added folder with a
 * subfolder, a plain rename, a rename whose file was edited later, a link retargeted, a merge,
 * a line both sides changed, a binary file changed on both sides, and an edit on top so that
 * dev's head is none of them.
 */
import { binaryLines, lines, text, WorkRepo } from './rollback-repo'

export interface RevertScenario {
  readonly work: WorkRepo
  readonly ids: {
    readonly root: string
    readonly edit: string
    readonly binary: string
    readonly exec: string
    readonly folder: string
    readonly rename: string
    readonly renameEdited: string
    readonly relink: string
    readonly merge: string
    readonly lineClash: string
    readonly binaryClash: string
  }
  readonly head: string
}

export async function buildRevertScenario(): Promise<RevertScenario> {
  const work = await WorkRepo.create('scenario')
  const app = lines('app', 60)
  const readme = lines('readme', 30)
  const logo = binaryLines(2)
  await work.write('README.md', text(readme))
  await work.write('src/app.js', text(app))
  await work.write('src/util.js', text(lines('util', 25)))
  await work.write('tools/run.sh', '#!/bin/sh\necho run\n', 0o644)
  await work.write('assets/icon.png', Buffer.concat(binaryLines(1)))
  await work.write('assets/logo.bin', Buffer.concat(logo))
  await work.write('docs/guide.md', text(lines('guide', 30)))
  await work.write('docs/old-name.md', text(lines('oldname', 20)))
  await work.link('docs/current', 'guide.md')
  const root = await work.commit('Initial import')

  app[19] = 'const app20 = "changed by the edit"'
  await work.write('src/app.js', text(app))
  const edit = await work.commit('Tune the app')

  const icon = binaryLines(1)
  icon[9] = Buffer.from('\u0000new icon bytes\n', 'latin1')
  await work.write('assets/icon.png', Buffer.concat(icon))
  const binary = await work.commit('New icon')

  await work.chmod('tools/run.sh', 0o755)
  const exec = await work.commit('Make run.sh executable')
  await work.write('tools/run.sh', '#!/bin/sh\necho run\necho done\n', 0o755)
  await work.commit('run.sh says done')

  await work.write('lib/extra/a.js', text(lines('extra', 10)))
  await work.write('lib/extra/deep/b.js', text(lines('deep', 10)))
  const folder = await work.commit('Add the extra library')

  await work.rename('docs/old-name.md', 'docs/new-name.md')
  const rename = await work.commit('Rename the old doc')

  await work.rename('src/util.js', 'src/helpers.js')
  const renameEdited = await work.commit('util.js becomes helpers.js')
  const helpers = lines('util', 25)
  helpers[4] = 'const util5 = "edited after the rename"'
  await work.write('src/helpers.js', text(helpers))
  await work.commit('Edit the helpers')

  await work.link('docs/current', 'new-name.md')
  const relink = await work.commit('Point current at the new doc')

  await work.git('checkout', '-q', '-b', 'topic')
  const guide = lines('guide', 30)
  guide[9] = 'const guide10 = "topic branch"'
  await work.write('docs/guide.md', text(guide))
  await work.write('docs/topic.md', text(lines('topic', 8)))
  await work.commit('Topic: guide and its page')
  await work.git('checkout', '-q', 'master')
  app[49] = 'const app50 = "changed on master"'
  await work.write('src/app.js', text(app))
  await work.commit('Master: app line 50')
  await work.git('merge', '-q', '--no-ff', '-m', "Merge branch 'topic'", 'topic')
  const merge = await work.git('rev-parse', 'HEAD')
  await work.git('branch', '-q', '-D', 'topic')

  readme[4] = 'const readme5 = "first change"'
  await work.write('README.md', text(readme))
  const lineClash = await work.commit('README: first change')
  readme[4] = 'const readme5 = "second change"'
  await work.write('README.md', text(readme))
  await work.commit('README: second change')

  logo[4] = Buffer.from('\u0000logo change one\n', 'latin1')
  await work.write('assets/logo.bin', Buffer.concat(logo))
  const binaryClash = await work.commit('Logo: first change')
  logo[30] = Buffer.from('\u0000logo change two\n', 'latin1')
  await work.write('assets/logo.bin', Buffer.concat(logo))
  await work.commit('Logo: second change')

  app[57] = 'const app58 = "the last edit"'
  await work.write('src/app.js', text(app))
  const head = await work.commit('The last edit')
  return {
    work,
    ids: { root, edit, binary, exec, folder, rename, renameEdited, relink, merge, lineClash, binaryClash },
    head,
  }
}
