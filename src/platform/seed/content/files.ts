/**
 * Demo "files" trees (Drupal's sites/default/files, WordPress's wp-content/uploads) with real
 * PNG images, PDFs and text files. Uploads sit on a fixed calendar like the database's posts,
 * so a later snapshot holds everything an earlier one did plus newer uploads; dev and test lag
 * behind live and carry a scratch file of their own.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Framework } from './kits'
import { demoPdf } from './pdf'
import { demoPng } from './png'
import { Random, sentence, slugify, titleWords } from './random'

const GRID_ORIGIN = Date.UTC(2025, 0, 1) / 1000
const UPLOAD_INTERVAL = 5 * 86_400
const MIN_UPLOADS = 12
const MAX_UPLOADS = 400
const ENV_LAG_DAYS: Record<string, number> = { live: 0, test: 3, dev: 7 }

interface DemoFile {
  readonly path: string
  readonly data: Buffer | string
  readonly mtime: number
}

interface Upload {
  readonly index: number
  readonly time: number
  readonly name: string
  readonly width: number
  readonly height: number
  readonly kind: 'image' | 'pdf'
}

function uploadsUpTo(contentTime: number): Upload[] {
  const count = Math.max(
    MIN_UPLOADS,
    Math.min(MAX_UPLOADS, MIN_UPLOADS + Math.floor((contentTime - GRID_ORIGIN) / UPLOAD_INTERVAL)),
  )
  const uploads: Upload[] = []
  for (let index = 1; index <= count; index += 1) {
    const random = new Random(`upload:${index}`)
    const time =
      index <= MIN_UPLOADS
        ? GRID_ORIGIN - (MIN_UPLOADS - index + 1) * 86_400
        : GRID_ORIGIN + (index - MIN_UPLOADS) * UPLOAD_INTERVAL - random.int(0, 86_000)
    if (time > contentTime) break
    uploads.push({
      index,
      time,
      name: slugify(titleWords(random, 2)),
      width: random.int(4, 10) * 16,
      height: random.int(3, 7) * 16,
      kind: index % 9 === 0 ? 'pdf' : 'image',
    })
  }
  return uploads
}

function pdfFor(upload: Upload): Buffer {
  const random = new Random(`pdf:${upload.index}`)
  return demoPdf(
    titleWords(random, 3),
    Array.from({ length: random.int(6, 16) }, () => sentence(random)),
  )
}

function drupalFiles(env: string, at: number, uploads: readonly Upload[]): DemoFile[] {
  const files: DemoFile[] = [
    {
      path: '.htaccess',
      data: "# Turn off all options we don't need.\nOptions -Indexes -ExecCGI -Includes -MultiViews\nSetHandler Drupal_Security_Do_Not_Remove_See_SA_2006_006\n<IfModule mod_php7.c>\n  php_flag engine off\n</IfModule>\n",
      mtime: GRID_ORIGIN - 40 * 86_400,
    },
  ]
  for (const upload of uploads) {
    const name = `${upload.name}-${upload.index}`
    if (upload.kind === 'pdf') {
      files.push({ path: `documents/${name}.pdf`, data: pdfFor(upload), mtime: upload.time })
      continue
    }
    const seed = `image:${upload.index}`
    files.push({
      path: `inline-images/${name}.png`,
      data: demoPng(seed, upload.width, upload.height),
      mtime: upload.time,
    })
    files.push({
      path: `styles/thumbnail/public/inline-images/${name}.png`,
      data: demoPng(seed, 32, 24),
      mtime: upload.time + 60,
    })
    if (upload.index % 2 === 0)
      files.push({
        path: `styles/medium/public/inline-images/${name}.png`,
        data: demoPng(seed, 64, 48),
        mtime: upload.time + 60,
      })
  }
  // Aggregated CSS/JS are rebuilt by cron; their names change with the build, like the real ones.
  const build = new Random(`aggregate:${Math.floor(at / 86_400)}`)
  const cssName = `css_${build.hex(43)}.css`
  files.push({
    path: `css/${cssName}`,
    data: `/* Aggregated CSS (${env}) */\nbody{line-height:1.5}.card{border:1px solid #ddd}\n`,
    mtime: at - 3600,
  })
  files.push({
    path: `js/js_${build.hex(43)}.js`,
    data: `/* Aggregated JS (${env}) */\n(function(){document.documentElement.className+=' js';})();\n`,
    mtime: at - 3600,
  })
  files.push({ path: 'pictures/admin.png', data: demoPng('picture:admin', 48, 48), mtime: GRID_ORIGIN - 30 * 86_400 })
  return files
}

function wordpressFiles(env: string, at: number, uploads: readonly Upload[]): DemoFile[] {
  const files: DemoFile[] = []
  for (const upload of uploads) {
    const date = new Date(upload.time * 1000)
    const folder = `${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, '0')}`
    const name = `${upload.name}-${upload.index}`
    if (upload.kind === 'pdf') {
      files.push({ path: `${folder}/${name}.pdf`, data: pdfFor(upload), mtime: upload.time })
      continue
    }
    const seed = `image:${upload.index}`
    files.push({ path: `${folder}/${name}.png`, data: demoPng(seed, upload.width, upload.height), mtime: upload.time })
    files.push({ path: `${folder}/${name}-150x150.png`, data: demoPng(seed, 30, 30), mtime: upload.time })
  }
  files.push({ path: 'wpforms/.htaccess', data: 'deny from all\n', mtime: GRID_ORIGIN - 20 * 86_400 })
  files.push({
    path: `wc-logs/cron-${new Date(at * 1000).toISOString().slice(0, 10)}.log`,
    data: `[${new Date(at * 1000).toISOString()}] ${env}: scheduled events ran\n`,
    mtime: at - 600,
  })
  return files
}

/**
 * Writes a demo site's files tree for `env` at time `at` into `dir` (created if needed):
 * real PNGs and PDFs, more of them the later `at` is; deterministic for the same inputs.
 */
export async function writeDemoFiles(
  dir: string,
  opts: { framework: Framework; env: string; at: Date },
): Promise<void> {
  const at = Math.floor(opts.at.getTime() / 1000)
  const contentTime = at - (ENV_LAG_DAYS[opts.env] ?? ENV_LAG_DAYS.dev!) * 86_400
  const uploads = uploadsUpTo(contentTime)
  const files =
    opts.framework === 'drupal8' ? drupalFiles(opts.env, at, uploads) : wordpressFiles(opts.env, at, uploads)
  if (opts.env !== 'live') {
    files.push({
      path: `${opts.env}-notes.txt`,
      data: `Scratch notes for the ${opts.env} environment.\n${sentence(new Random(`notes:${opts.env}`))}\n`,
      mtime: contentTime,
    })
  }
  const made = new Set<string>()
  await mkdir(dir, { recursive: true })
  for (const file of files) {
    const target = path.join(dir, file.path)
    const parent = path.dirname(target)
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true })
      made.add(parent)
    }
    await writeFile(target, file.data)
    await utimes(target, file.mtime, file.mtime)
  }
}
