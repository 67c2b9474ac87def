/**
 * Demo git history: about a hundred days of a small team's work on a Drupal or WordPress site
 * (initial scaffold, everyday changes, feature branches merged with merge commits, a rename,
 * binary theme assets, a core update touching every core file), written in one `git
 * fast-import` run so a site's whole history takes well under a second. Dates are relative
 * to `now`; everything else comes from a PRNG seeded by the site, so runs are reproducible.
 */
import { stat } from 'node:fs/promises'
import { initBareRepo, resolveCommit, runGit } from '../../git/index'
import { demoPng } from './png'
import { Random, machineName, slugify, word } from './random'
import { kitFor, type Change, type Framework, type SiteContext, type Tree } from './kits'

/** A commit on master's first-parent line. */
export interface DemoCommit {
  readonly sha: string
  readonly timestamp: number
}

interface Person {
  readonly name: string
  readonly email: string
  readonly tz: string
}

const TEAM: readonly Person[] = [
  { name: 'Maya Okafor', email: 'maya.okafor@northbeam.agency', tz: '-0500' },
  { name: 'Jonas Lindqvist', email: 'jonas@lindqvist.dev', tz: '+0100' },
  { name: 'Priya Raman', email: 'priya.raman@northbeam.agency', tz: '+0530' },
  { name: 'Diego Álvarez', email: 'diego.alvarez@northbeam.agency', tz: '-0300' },
  { name: 'Sam Whitfield', email: 'sam@whitfield.io', tz: '-0800' },
]
const AUTOMATION: Person = { name: 'Pantheon Automation', email: 'bot@getpantheon.com', tz: '+0000' }

type Event =
  | { readonly kind: 'initial' | 'logo' | 'rename' | 'core' | 'logo-refresh' | 'everyday' }
  | { readonly kind: 'feature'; readonly feature: string; readonly step: number }
  | { readonly kind: 'merge'; readonly feature: string; readonly pr: number }

function planEvents(random: Random, total: number): Event[] {
  const specials: Event['kind'][] = ['logo', 'rename', 'core', 'logo-refresh']
  const regular = total - specials.length
  const events: Event[] = [{ kind: 'initial' }]
  const used = new Set<string>()
  let pr = random.int(3, 12)
  while (events.length < regular) {
    const left = regular - events.length
    // The first feature starts early so even short histories have a merge.
    if (left >= 7 && (events.length === 6 || random.chance(0.2))) {
      let feature = `${word(random)}-${word(random)}`
      while (used.has(feature)) feature = `${feature}-${used.size}`
      used.add(feature)
      const steps = random.int(2, 3)
      for (let step = 0; step < steps; step += 1) {
        events.push({ kind: 'feature', feature, step })
        if (step < steps - 1 && random.chance(0.5)) events.push({ kind: 'everyday' })
      }
      pr += random.int(1, 4)
      events.push({ kind: 'merge', feature, pr })
    } else {
      events.push({ kind: 'everyday' })
    }
  }
  // Specials are master commits on unrelated files, so they can land anywhere after the start.
  const positions = [3, Math.floor(total * 0.4), Math.floor(total * 0.6), Math.floor(total * 0.8)]
  specials.forEach((kind, i) => events.splice(Math.min(positions[i]!, events.length), 0, { kind } as Event))
  return events
}

/** Sorted commit times: the first `days` before `now`, the last shortly before `now`, mostly in working hours. */
function planTimes(random: Random, count: number, now: number, days: number): number[] {
  const start = now - days * 86_400
  const end = now - random.int(600, 7200)
  const times = [start]
  for (let i = 1; i < count; i += 1) {
    let t = start + random.next() * (end - start)
    const hour = new Date(t * 1000).getUTCHours()
    if (hour < 8 || hour > 20) t -= (hour < 8 ? hour + 4 : hour - 16) * 3600 // pull night commits into the day
    times.push(Math.max(start + 60, Math.min(end, Math.floor(t))))
  }
  times.sort((a, b) => a - b)
  for (let i = 1; i < times.length; i += 1)
    if (times[i]! <= times[i - 1]!) times[i] = times[i - 1]! + random.int(30, 300)
  return times
}

/** An ICO file wrapping one PNG image (valid since Windows Vista and in every browser). */
function icoFromPng(png: Buffer, size: number): Buffer {
  const header = Buffer.alloc(22)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(1, 4) // one image
  header[6] = size
  header[7] = size
  header.writeUInt16LE(1, 10) // colour planes
  header.writeUInt16LE(32, 12) // bits per pixel
  header.writeUInt32LE(png.length, 14)
  header.writeUInt32LE(22, 18)
  return Buffer.concat([header, png])
}

class FastImportStream {
  private readonly parts: Buffer[] = []
  private nextMark = 1

  private line(text: string): void {
    this.parts.push(Buffer.from(`${text}\n`, 'utf8'))
  }

  private data(content: string | Buffer): void {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    this.line(`data ${bytes.length}`)
    this.parts.push(bytes, Buffer.from('\n'))
  }

  commit(opts: {
    ref: string
    who: Person
    when: number
    message: string
    from?: number
    merge?: number
    change: Change
  }): number {
    const mark = this.nextMark++
    this.line(`commit ${opts.ref}`)
    this.line(`mark :${mark}`)
    const ident = `${opts.who.name} <${opts.who.email}> ${opts.when} ${opts.who.tz}`
    this.line(`author ${ident}`)
    this.line(`committer ${ident}`)
    this.data(opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`)
    if (opts.from !== undefined) this.line(`from :${opts.from}`)
    if (opts.merge !== undefined) this.line(`merge :${opts.merge}`)
    for (const [from, to] of opts.change.renames ?? []) this.line(`R ${from} ${to}`)
    for (const [file, content] of opts.change.files) {
      if (content === null) {
        this.line(`D ${file}`)
      } else {
        this.line(`M 100644 inline ${file}`)
        this.data(content)
      }
    }
    this.line('')
    return mark
  }

  finish(): Buffer {
    this.line('done')
    return Buffer.concat(this.parts)
  }
}

function apply(tree: Tree, change: Change): void {
  for (const [from, to] of change.renames ?? []) {
    const content = tree.get(from)
    if (content === undefined) throw new Error(`Demo history cannot rename missing ${from}.`)
    tree.delete(from)
    tree.set(to, content)
  }
  for (const [file, content] of change.files) {
    if (content === null) tree.delete(file)
    else tree.set(file, content)
  }
}

/**
 * Writes a realistic history into the bare repository `repoDir` (created if missing; it must
 * not have a master yet) and returns master's first-parent commits, oldest first.
 */
export async function generateDemoHistory(
  repoDir: string,
  opts: { framework: Framework; siteName: string; now: Date; days?: number; commits?: number },
): Promise<{ commits: readonly DemoCommit[] }> {
  const days = opts.days ?? 100
  const total = Math.max(12, opts.commits ?? 160)
  const exists = await stat(repoDir).then(
    () => true,
    () => false,
  )
  if (!exists) await initBareRepo(repoDir)
  if ((await resolveCommit(repoDir, 'refs/heads/master')) !== null) {
    throw new Error(`${repoDir} already has a master branch; demo history is only written into a new repository.`)
  }
  const kit = kitFor(opts.framework)
  const random = new Random(`${opts.framework}:${opts.siteName}`)
  const machine = machineName(opts.siteName)
  const label = opts.siteName
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join(' ')
  const ctx: SiteContext = {
    label,
    machine,
    slug: slugify(opts.siteName) || machine,
    theme: `${machine.slice(0, 20)}_theme`.replace(/_+/g, '_'),
    random,
  }
  const events = planEvents(random, total)
  const times = planTimes(random, events.length, Math.floor(opts.now.getTime() / 1000), days)

  const stream = new FastImportStream()
  const master: Tree = new Map()
  const features = new Map<string, { tree: Tree; tip: number; author: Person; files: Set<string> }>()
  let masterTip: number | undefined
  const ref = 'refs/heads/master'
  events.forEach((event, i) => {
    const when = times[i]!
    const person = random.pick(TEAM)
    switch (event.kind) {
      case 'initial': {
        const files = kit.scaffold(ctx)
        const change: Change = { message: `Initial commit: ${kit.name} site scaffold for ${label}`, files }
        apply(master, change)
        masterTip = stream.commit({ ref, who: AUTOMATION, when, message: change.message, change })
        return
      }
      case 'feature': {
        let state = features.get(event.feature)
        if (state === undefined) {
          state = { tree: new Map(master), tip: masterTip!, author: person, files: new Set() }
          features.set(event.feature, state)
        }
        const change = kit.featureStep(state.tree, ctx, event.feature, event.step)
        apply(state.tree, change)
        for (const file of change.files.keys()) state.files.add(file)
        const isFirst = event.step === 0
        state.tip = stream.commit({
          ref: `refs/heads/feature/${event.feature}`,
          who: state.author,
          when,
          message: change.message,
          ...(isFirst ? { from: state.tip } : {}),
          change,
        })
        return
      }
      case 'merge': {
        const state = features.get(event.feature)!
        // Features only add their own files, so the merge result is master plus those files.
        const files = new Map<string, string | Buffer>()
        for (const file of state.files) files.set(file, state.tree.get(file)!)
        const message = random.chance(0.6)
          ? `Merge pull request #${event.pr} from northbeam/feature/${event.feature}\n\nfeat: ${event.feature.replace(/-/g, ' ')}\n`
          : `Merge branch 'feature/${event.feature}'\n`
        const change: Change = { message, files }
        apply(master, change)
        masterTip = stream.commit({ ref, who: state.author, when, message, from: masterTip!, merge: state.tip, change })
        return
      }
      default: {
        let change: Change
        let who = person
        if (event.kind === 'logo') {
          const logo = demoPng(`${ctx.machine}:logo`, 120, 40)
          change = {
            message: 'feat(theme): add logo and favicon',
            files: new Map([
              [kit.logoPath(ctx), logo],
              [kit.faviconPath(ctx), icoFromPng(demoPng(`${ctx.machine}:favicon`, 32, 32), 32)],
            ]),
          }
        } else if (event.kind === 'logo-refresh') {
          change = {
            message: 'style(theme): refresh logo colours',
            files: new Map([[kit.logoPath(ctx), demoPng(`${ctx.machine}:logo:v2`, 120, 40)]]),
          }
        } else if (event.kind === 'rename') {
          change = kit.rename(master, ctx)
        } else if (event.kind === 'core') {
          change = kit.coreUpdate(master)
          who = AUTOMATION
        } else {
          change = kit.everyday(master, ctx)
        }
        apply(master, change)
        masterTip = stream.commit({ ref, who, when, message: change.message, change })
      }
    }
  })

  await runGit(repoDir, ['fast-import', '--quiet', '--done', '--date-format=raw'], { input: stream.finish() })
  const featureRefs = [...features.keys()].map((f) => `delete refs/heads/feature/${f}\n`).join('')
  if (featureRefs) await runGit(repoDir, ['update-ref', '--stdin'], { input: featureRefs })
  await runGit(repoDir, ['symbolic-ref', 'HEAD', ref])
  const log = await runGit(repoDir, ['log', '--first-parent', '--reverse', '--format=%H %ct', ref, '--'])
  const commits = log
    .trim()
    .split('\n')
    .map((line) => {
      const [sha, ts] = line.split(' ')
      return { sha: sha!, timestamp: Number(ts) }
    })
  return { commits }
}
