import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cp, link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createTarGz, extractTarGzSafe, inspectTarGz } from '../../../src/lib/archives'
import { header, tarBytes, tarGzBytes, zipBytes, type CraftedEntry } from './craft'
import { expectArchiveError, useScratchDir } from './scratch'

const run = promisify(execFile)
const scratch = useScratchDir('rd-tar-')
const { put } = scratch

/** Every file under `root` with its content, as "rel/path" → contents. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const visit = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await readdir(abs)).sort()) {
      const childAbs = path.join(abs, name)
      const childRel = rel ? `${rel}/${name}` : name
      if ((await stat(childAbs)).isDirectory()) {
        out.set(`${childRel}/`, '')
        await visit(childAbs, childRel)
      } else {
        out.set(childRel, (await readFile(childAbs)).toString('base64'))
      }
    }
  }
  await visit(root, '')
  return out
}

async function makeSourceTree(): Promise<string> {
  const src = await mkdtemp(path.join(scratch.dir, 'src-'))
  await mkdir(path.join(src, 'styles/thumbnail/public'), { recursive: true })
  await mkdir(path.join(src, 'empty-dir'))
  await writeFile(path.join(src, 'readme.txt'), 'hello\n')
  await writeFile(path.join(src, 'styles/thumbnail/public/big.bin'), randomBytes(70_000))
  await writeFile(path.join(src, 'exactly-512.bin'), Buffer.alloc(512, 7))
  await writeFile(path.join(src, 'zero.txt'), '')
  await writeFile(path.join(src, 'café ünïcode.txt'), 'utf-8 name')
  const deep = path.join(src, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60))
  await mkdir(deep, { recursive: true })
  await writeFile(path.join(deep, `${'d'.repeat(90)}.txt`), 'deep')
  const deeper = path.join(src, 'x'.repeat(120), 'y'.repeat(120))
  await mkdir(deeper, { recursive: true })
  await writeFile(path.join(deeper, `${'z'.repeat(120)}.txt`), 'too long for ustar, needs pax')
  await writeFile(path.join(src, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 })
  return src
}

describe('createTarGz / inspectTarGz / extractTarGzSafe', () => {
  it('round-trips a tree under one top folder, readable by GNU tar', async () => {
    const src = await makeSourceTree()
    const archive = path.join(scratch.dir, 'files_live.tar.gz')
    const created = await createTarGz(src, archive, 'files_live')
    expect(created.topFolders).toEqual(['files_live'])
    expect(created.files).toBe(8)
    expect(created.totalSize).toBe(70_000 + 512 + 6 + 10 + 4 + 29 + 18)
    expect(await inspectTarGz(archive)).toEqual(created)

    const { stdout } = await run('tar', ['tzf', archive])
    const listed = stdout.trim().split('\n')
    expect(listed.every((name) => name.startsWith('files_live/'))).toBe(true)
    expect(listed).toContain(`files_live/${'x'.repeat(120)}/${'y'.repeat(120)}/${'z'.repeat(120)}.txt`)
    expect(listed).toContain('files_live/café ünïcode.txt')

    const gnuOut = await mkdtemp(path.join(scratch.dir, 'gnu-'))
    await run('tar', ['xzf', archive, '-C', gnuOut])
    expect(await snapshot(path.join(gnuOut, 'files_live'))).toEqual(await snapshot(src))

    const stripped = path.join(scratch.dir, 'stripped-out')
    expect(await extractTarGzSafe(archive, stripped, { stripTopFolder: true })).toEqual(created)
    expect(await snapshot(stripped)).toEqual(await snapshot(src))
    expect((await stat(path.join(stripped, 'script.sh'))).mode & 0o111).not.toBe(0)

    const kept = await mkdtemp(path.join(scratch.dir, 'kept-'))
    await extractTarGzSafe(archive, kept)
    expect(await readdir(kept)).toEqual(['files_live'])
  })

  it('reads archives made by GNU tar, including ./ entries', async () => {
    const src = await makeSourceTree()
    const archive = path.join(scratch.dir, 'gnu.tar.gz')
    await run('tar', ['czf', archive, '-C', src, '.'])
    const summary = await inspectTarGz(archive)
    expect(summary.files).toBe(8)
    expect(summary.topFolders).toEqual(['a'.repeat(60), 'empty-dir', 'styles', 'x'.repeat(120)])
    const out = await mkdtemp(path.join(scratch.dir, 'gnu-out-'))
    await extractTarGzSafe(archive, out)
    expect(await snapshot(out)).toEqual(await snapshot(src))
  })

  it('refuses to strip when the archive has more than one top folder', async () => {
    const src = await makeSourceTree()
    const archive = path.join(scratch.dir, 'many-tops.tar.gz')
    await run('tar', ['czf', archive, '-C', src, '.'])
    const out = path.join(scratch.dir, 'many-tops-out')
    const error = await expectArchiveError(extractTarGzSafe(archive, out, { stripTopFolder: true }))
    expect(error.code).toBe('bad_tar')
    expect(error.message).toContain('exactly one top folder')
    await expect(stat(out)).rejects.toThrow()
  })

  it('refuses to extract into a folder that is not empty', async () => {
    const archive = await put('small.tar.gz', tarGzBytes([{ name: 'top/a.txt', data: 'a' }]))
    const out = await mkdtemp(path.join(scratch.dir, 'busy-'))
    await writeFile(path.join(out, 'keep.txt'), 'mine')
    await expect(extractTarGzSafe(archive, out)).rejects.toThrow(/not empty/)
    expect(await readdir(out)).toEqual(['keep.txt'])
  })

  it('writes the same bytes for the same tree, with no owners and folder times kept', async () => {
    const src = await makeSourceTree()
    const copy = path.join(scratch.dir, `copy-of-${path.basename(src)}`)
    await cp(src, copy, { recursive: true })
    const when = new Date('2024-05-06T07:08:09.250Z')
    for (const tree of [src, copy]) {
      const names = [...(await snapshot(tree)).keys()].reverse() // children before their folders
      for (const name of [...names, '']) await utimes(path.join(tree, name), when, when)
    }
    const first = path.join(scratch.dir, 'first.tar.gz')
    const second = path.join(scratch.dir, 'second.tar.gz')
    await createTarGz(src, first, 'files_live')
    await createTarGz(copy, second, 'files_live')
    expect((await readFile(first)).equals(await readFile(second))).toBe(true)

    const { stdout } = await run('tar', ['tvzf', first, '--numeric-owner', '--utc'])
    const lines = stdout.trim().split('\n')
    expect(lines.every((line) => / 0\/0 /.test(line))).toBe(true)
    expect(lines.find((line) => line.endsWith(' files_live/styles/'))).toContain('2024-05-06 07:08')
    const out = await mkdtemp(path.join(scratch.dir, 'times-'))
    await run('tar', ['xzf', first, '-C', out])
    expect(Math.floor((await stat(path.join(out, 'files_live/styles'))).mtimeMs / 1000)).toBe(
      when.getTime() / 1000 - 0.25,
    )
  })

  it('stores files that share an inode as plain files, so its own archives pass inspection', async () => {
    const src = await mkdtemp(path.join(scratch.dir, 'hard-src-'))
    await writeFile(path.join(src, 'a.txt'), 'same bytes')
    await link(path.join(src, 'a.txt'), path.join(src, 'b.txt'))
    const archive = path.join(scratch.dir, 'hard.tar.gz')
    expect((await createTarGz(src, archive, 'files_live')).files).toBe(2)
    expect((await inspectTarGz(archive)).files).toBe(2)
    const out = path.join(scratch.dir, 'hard-out')
    await extractTarGzSafe(archive, out, { stripTopFolder: true })
    expect(await readFile(path.join(out, 'b.txt'), 'utf8')).toBe('same bytes')
  })

  it('archives a bare git repository that GNU tar and git read back', async () => {
    const work = await mkdtemp(path.join(scratch.dir, 'git-work-'))
    const git = (cwd: string, ...args: string[]) =>
      run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd })
    await git(work, 'init', '-q', '-b', 'master')
    await writeFile(path.join(work, 'index.php'), '<?php echo "hi";\n')
    await git(work, 'add', '.')
    await git(work, 'commit', '-q', '-m', 'first')
    const bare = path.join(scratch.dir, `${path.basename(work)}.git`)
    await git(scratch.dir, 'clone', '-q', '--bare', work, bare)
    const archive = path.join(scratch.dir, 'code.tar.gz')
    await createTarGz(bare, archive, 'code')
    const out = await mkdtemp(path.join(scratch.dir, 'git-out-'))
    await run('tar', ['xzf', archive, '-C', out])
    await run('git', ['--git-dir', path.join(out, 'code'), 'fsck', '--full'])
    const { stdout } = await run('git', ['--git-dir', path.join(out, 'code'), 'log', '--format=%s'])
    expect(stdout.trim()).toBe('first')
  })

  it('extracts large and many files through the same checks, with every byte in place', async () => {
    const entries: CraftedEntry[] = [{ name: 'site/', flag: '5' }]
    for (let i = 0; i < 3; i += 1) entries.push({ name: `site/big-${i}.bin`, data: randomBytes(3_000_000 + i) })
    for (let i = 0; i < 300; i += 1) entries.push({ name: `site/small/${i % 7}/f${i}.txt`, data: `file ${i}\n` })
    const archive = await put('many.tar.gz', tarGzBytes(entries))
    const out = path.join(scratch.dir, 'many-out')
    const summary = await extractTarGzSafe(archive, out, { stripTopFolder: true })
    expect(summary.files).toBe(303)
    for (const entry of entries.slice(1)) {
      const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data!
      expect((await readFile(path.join(out, entry.name.slice('site/'.length)))).equals(data)).toBe(true)
    }
    const capped = await expectArchiveError(
      extractTarGzSafe(archive, path.join(scratch.dir, 'many-capped'), { maxEntries: 100 }),
    )
    expect(capped.code).toBe('too_large')
    await expect(stat(path.join(scratch.dir, 'many-capped'))).rejects.toThrow()
  })

  it('refuses to archive a symbolic link in the source', async () => {
    const src = await mkdtemp(path.join(scratch.dir, 'src-link-'))
    await writeFile(path.join(src, 'real.txt'), 'x')
    await symlink('/etc/passwd', path.join(src, 'passwd'))
    const out = path.join(scratch.dir, 'link-src.tar.gz')
    const error = await expectArchiveError(createTarGz(src, out, 'files_dev'))
    expect(error.code).toBe('unsafe_entry')
    expect(error.message).toContain('passwd')
    await expect(stat(out)).rejects.toThrow()
    expect((await readdir(scratch.dir)).filter((n) => n.includes('link-src'))).toEqual([])
  })
})

describe('unsafe archives', () => {
  const cases: ReadonlyArray<{ label: string; entries: CraftedEntry[]; entry: string; text: RegExp }> = [
    {
      label: 'a .. segment',
      entries: [{ name: 'files/../x', data: 'evil' }],
      entry: 'files/../x',
      text: /"\.\." path segment/,
    },
    { label: 'a leading ..', entries: [{ name: '../x', data: 'evil' }], entry: '../x', text: /"\.\." path segment/ },
    { label: 'an absolute path', entries: [{ name: '/etc/x', data: 'evil' }], entry: '/etc/x', text: /absolute path/ },
    {
      label: 'a symlink',
      entries: [
        { name: 'files/', flag: '5' },
        { name: 'files/passwd', flag: '2', linkpath: '/etc/passwd' },
      ],
      entry: 'files/passwd',
      text: /symbolic link \("files\/passwd" pointing to "\/etc\/passwd"\)/,
    },
    {
      label: 'a hard link',
      entries: [
        { name: 'files/a', data: 'a' },
        { name: 'files/b', flag: '1', linkpath: 'files/a' },
      ],
      entry: 'files/b',
      text: /hard link/,
    },
    {
      label: 'a char device',
      entries: [{ name: 'files/null', flag: '3' }],
      entry: 'files/null',
      text: /character device/,
    },
    { label: 'a block device', entries: [{ name: 'files/sda', flag: '4' }], entry: 'files/sda', text: /block device/ },
    { label: 'a FIFO', entries: [{ name: 'files/pipe', flag: '6' }], entry: 'files/pipe', text: /FIFO/ },
  ]

  for (const { label, entries, entry, text } of cases) {
    it(`refuses ${label} and writes nothing`, async () => {
      const archive = await put(
        `unsafe-${label.replace(/\W+/g, '-')}.tar.gz`,
        tarGzBytes([{ name: 'files/ok.txt', data: 'fine' }, ...entries]),
      )
      const inspected = await expectArchiveError(inspectTarGz(archive))
      expect(inspected.code).toBe('unsafe_entry')
      expect(inspected.entry).toBe(entry)
      expect(inspected.message).toMatch(text)
      expect(inspected.message).toMatch(/make the archive again|Archives must hold relative paths only|remove it/i)

      const out = path.join(scratch.dir, `out-${label.replace(/\W+/g, '-')}`)
      const extracted = await expectArchiveError(extractTarGzSafe(archive, out))
      expect(extracted.code).toBe('unsafe_entry')
      await expect(stat(out)).rejects.toThrow()
      await expect(stat(path.join(scratch.dir, 'x'))).rejects.toThrow()
    })
  }

  it('refuses a symlink and a FIFO packed by GNU tar', async () => {
    const src = await mkdtemp(path.join(scratch.dir, 'gnu-unsafe-'))
    await writeFile(path.join(src, 'a.txt'), 'a')
    await symlink('../../outside', path.join(src, 'link'))
    const withLink = path.join(scratch.dir, 'gnu-link.tar.gz')
    await run('tar', ['czf', withLink, '-C', src, '.'])
    expect((await expectArchiveError(inspectTarGz(withLink))).entry).toBe('./link')

    await rm(path.join(src, 'link'))
    await run('mkfifo', [path.join(src, 'pipe')])
    const withFifo = path.join(scratch.dir, 'gnu-fifo.tar.gz')
    await run('tar', ['czf', withFifo, '-C', src, '.'])
    const error = await expectArchiveError(inspectTarGz(withFifo))
    expect(error.code).toBe('unsafe_entry')
    expect(error.message).toContain('FIFO')
  })
})

describe('broken archives', () => {
  it('refuses a zip, plain text and a SQL dump as not_gzip', async () => {
    expect((await expectArchiveError(inspectTarGz(await put('files.zip.tar.gz', zipBytes())))).message).toMatch(
      /zip.*tar czf/,
    )
    expect((await expectArchiveError(inspectTarGz(await put('text.tar.gz', 'just words\n')))).code).toBe('not_gzip')
    const raw = await expectArchiveError(
      inspectTarGz(await put('raw.tar.gz', tarBytes([{ name: 'a/b.txt', data: 'b' }]))),
    )
    expect(raw.code).toBe('not_gzip')
    expect(raw.message).toContain('uncompressed tar archive')
  })

  it('refuses gzip of random bytes and gzip of SQL as bad_tar', async () => {
    const random = await expectArchiveError(inspectTarGz(await put('random.tar.gz', gzipSync(randomBytes(4096)))))
    expect(random.code).toBe('bad_tar')
    expect(random.message).toContain('does not hold a tar archive')
    const sql = await expectArchiveError(
      inspectTarGz(await put('sql.tar.gz', gzipSync('-- MySQL dump 10.13\nCREATE TABLE `x` (id int);\n'.repeat(20)))),
    )
    expect(sql.code).toBe('bad_tar')
    expect(sql.message).toMatch(/starts with text: '-- MySQL dump.*import it as the database/)
  })

  const clashes: ReadonlyArray<{ label: string; entries: CraftedEntry[]; entry: string; name: string }> = [
    {
      label: 'a file, then a folder of that name',
      entries: [
        { name: 'files/a', data: 'file' },
        { name: 'files/a/', flag: '5' },
      ],
      entry: 'files/a/',
      name: 'files/a',
    },
    {
      label: 'a folder, then a file of that name',
      entries: [
        { name: 'files/a/', flag: '5' },
        { name: 'files/a', data: 'file' },
      ],
      entry: 'files/a',
      name: 'files/a',
    },
    {
      label: 'a file, then a file inside it',
      entries: [
        { name: 'files/a', data: 'file' },
        { name: 'files/a/b.txt', data: 'inside' },
      ],
      entry: 'files/a/b.txt',
      name: 'files/a',
    },
    {
      label: 'a file inside a folder, then a file of the folder name',
      entries: [
        { name: 'files/a/b.txt', data: 'inside' },
        { name: 'files/a', data: 'file' },
      ],
      entry: 'files/a',
      name: 'files/a',
    },
  ]
  for (const { label, entries, entry, name } of clashes) {
    it(`refuses ${label} as bad_tar naming the entry, and writes nothing`, async () => {
      const archive = await put(`clash-${label.replace(/\W+/g, '-')}.tar.gz`, tarGzBytes(entries))
      const inspected = await expectArchiveError(inspectTarGz(archive))
      expect(inspected.code).toBe('bad_tar')
      expect(inspected.entry).toBe(entry)
      expect(inspected.message).toContain(`both a file and a folder named "${name}" (at entry "${entry}")`)
      const out = path.join(scratch.dir, `out-clash-${label.replace(/\W+/g, '-')}`)
      for (const strip of [false, true]) {
        const extracted = await expectArchiveError(extractTarGzSafe(archive, out, { stripTopFolder: strip }))
        expect(extracted.code).toBe('bad_tar')
        expect(extracted.entry).toBe(entry)
        await expect(stat(out)).rejects.toThrow()
      }
    })
  }

  it('refuses a damaged header in the middle', async () => {
    const bytes = tarBytes([
      { name: 'top/a.txt', data: 'a' },
      { name: 'top/b.txt', data: 'b' },
    ])
    bytes[1024 + 10] = 0x41 // second header's name changes, checksum no longer matches
    const error = await expectArchiveError(inspectTarGz(await put('damaged-header.tar.gz', gzipSync(bytes))))
    expect(error.code).toBe('bad_tar')
    expect(error.message).toContain('header at byte 1024 is invalid')
  })

  it('refuses a tar cut inside an entry (with a whole gzip)', async () => {
    const bytes = tarBytes([{ name: 'top/big.bin', data: randomBytes(5000) }])
    const error = await expectArchiveError(
      inspectTarGz(await put('short-tar.tar.gz', gzipSync(bytes.subarray(0, 2048)))),
    )
    expect(error.code).toBe('bad_tar')
    expect(error.message).toContain('cut short')
  })

  it('reports a gzip cut in half as truncated_gzip', async () => {
    const whole = tarGzBytes([{ name: 'top/big.bin', data: randomBytes(100_000) }])
    const error = await expectArchiveError(inspectTarGz(await put('half.tar.gz', whole.subarray(0, whole.length >> 1))))
    expect(error.code).toBe('truncated_gzip')
  })

  it('reports a truncated gzip even when the tar end marker was already read', async () => {
    const whole = gzipSync(Buffer.concat([tarBytes([{ name: 'top/a.txt', data: 'a' }]), Buffer.alloc(100_000)]))
    const error = await expectArchiveError(
      inspectTarGz(await put('late-cut.tar.gz', whole.subarray(0, whole.length - 3))),
    )
    expect(error.code).toBe('truncated_gzip')
  })

  it('refuses an archive with no entries as empty', async () => {
    const error = await expectArchiveError(inspectTarGz(await put('nothing.tar.gz', gzipSync(Buffer.alloc(1024)))))
    expect(error.code).toBe('empty')
    expect(error.message).toContain('holds no files or folders')
    const rootOnly = await expectArchiveError(
      inspectTarGz(await put('root-only.tar.gz', gzipSync(Buffer.concat([header('./', '5', 0), Buffer.alloc(1024)])))),
    )
    expect(rootOnly.code).toBe('empty')
    expect((await expectArchiveError(inspectTarGz(await put('zero-bytes.tar.gz', gzipSync(''))))).code).toBe('empty')
    const src = await mkdtemp(path.join(scratch.dir, 'empty-src-'))
    await run('tar', ['czf', path.join(scratch.dir, 'gnu-empty.tar.gz'), '-T', '/dev/null'], { cwd: src })
    expect((await expectArchiveError(inspectTarGz(path.join(scratch.dir, 'gnu-empty.tar.gz')))).code).toBe('empty')
  })

  it('stops at maxUncompressedBytes', async () => {
    const archive = await put('large.tar.gz', tarGzBytes([{ name: 'top/zeros.bin', data: Buffer.alloc(3_000_000) }]))
    const error = await expectArchiveError(inspectTarGz(archive, { maxUncompressedBytes: 1_000_000 }))
    expect(error.code).toBe('too_large')
    const out = path.join(scratch.dir, 'large-out')
    expect((await expectArchiveError(extractTarGzSafe(archive, out, { maxUncompressedBytes: 1_000_000 }))).code).toBe(
      'too_large',
    )
    await expect(stat(out)).rejects.toThrow()
  })
})
