/**
 * Edits to a tree by path (remove a file, set a file), written as new tree objects into a
 * scratch store. Only the folders on an edited path are read and rewritten; everything else
 * keeps its tree id. A folder left with no entries is dropped, as git never stores an empty
 * tree; a file set where a folder still has files, or under a path that is a file, is refused
 * with the reason (a file/folder clash), and the caller lists it as a conflict.
 */
import { parseTree, type TreeEntry } from './objects'
import type { ScratchStore } from './scratch-store'
import { compareCodePoints, isTreeMode } from './tree-diff'

/** A file, link or submodule as a tree holds it. */
export interface Side {
  readonly mode: string
  readonly oid: string
}

interface Folder {
  readonly entries: Map<string, TreeEntry>
  /** Folders read (and perhaps changed) below this one, by name. */
  readonly children: Map<string, Folder>
}

const FOLDER_MODE = '40000'

function treeBytes(entries: Iterable<TreeEntry>): Buffer {
  const keyed = [...entries].map((entry) => ({ entry, key: isTreeMode(entry.mode) ? `${entry.name}/` : entry.name }))
  keyed.sort((a, b) => compareCodePoints(a.key, b.key))
  const parts: Buffer[] = []
  for (const { entry } of keyed)
    parts.push(Buffer.from(`${entry.mode} ${entry.name}\0`, 'utf8'), Buffer.from(entry.oid, 'hex'))
  return Buffer.concat(parts)
}

/** Edits on top of one tree. Apply every removal before the sets, so a file can replace an emptied folder. */
export class TreeEditor {
  readonly #store: ScratchStore
  readonly #rootOid: string
  #root: Folder | null = null

  constructor(store: ScratchStore, rootTree: string) {
    this.#store = store
    this.#rootOid = rootTree
  }

  async #load(oid: string): Promise<Folder> {
    const object = await this.#store.read(oid)
    const entries = new Map<string, TreeEntry>()
    for (const entry of parseTree(object.data)) entries.set(entry.name, entry)
    return { entries, children: new Map() }
  }

  async #rootFolder(): Promise<Folder> {
    this.#root ??= await this.#load(this.#rootOid)
    return this.#root
  }

  /** The folder at `parts`, read on the way; created when `create`; a string says what is in the way. */
  async #folder(parts: readonly string[], create: boolean): Promise<Folder | string | null> {
    let folder = await this.#rootFolder()
    for (let depth = 0; depth < parts.length; depth++) {
      const name = parts[depth] as string
      let child = folder.children.get(name)
      if (!child) {
        const entry = folder.entries.get(name)
        if (entry && isTreeMode(entry.mode)) child = await this.#load(entry.oid)
        else if (entry)
          return create ? `the file ${parts.slice(0, depth + 1).join('/')} is in the way of this path` : null
        else if (create) {
          child = { entries: new Map(), children: new Map() }
          folder.entries.set(name, { mode: FOLDER_MODE, name, oid: '' })
        } else return null
        folder.children.set(name, child)
      }
      folder = child
    }
    return folder
  }

  /** Removes the file at `path` (nothing when it is absent). */
  async remove(path: string): Promise<void> {
    const parts = path.split('/')
    const name = parts.pop() as string
    const folder = await this.#folder(parts, false)
    if (folder === null || typeof folder === 'string') return
    const entry = folder.entries.get(name)
    if (entry && !isTreeMode(entry.mode)) folder.entries.delete(name)
  }

  /** Sets the file at `path`; returns why it cannot (a file/folder clash), or null. */
  async set(path: string, side: Side): Promise<string | null> {
    const parts = path.split('/')
    const name = parts.pop() as string
    const folder = await this.#folder(parts, true)
    if (typeof folder === 'string') return folder
    if (folder === null) return 'the path cannot be made'
    const existing = folder.entries.get(name)
    if (existing && isTreeMode(existing.mode)) {
      const child = folder.children.get(name) ?? (await this.#load(existing.oid))
      if (!(await this.#isEmpty(child))) return 'a folder in dev is in the way of this file'
      folder.children.delete(name)
    }
    folder.entries.set(name, { mode: side.mode, name, oid: side.oid })
    return null
  }

  /** Whether a folder holds no file at any depth (its folders were all emptied). */
  async #isEmpty(folder: Folder): Promise<boolean> {
    for (const [name, entry] of folder.entries) {
      if (!isTreeMode(entry.mode)) return false
      const child = folder.children.get(name)
      // A folder never read is a stored tree, and git stores no empty tree.
      if (!child || !(await this.#isEmpty(child))) return false
    }
    return true
  }

  /** Writes the edited trees into the store and returns the root tree's id. */
  async write(): Promise<string> {
    if (!this.#root) return this.#rootOid
    return (await this.#writeFolder(this.#root)) ?? this.#store.put('tree', Buffer.alloc(0))
  }

  async #writeFolder(folder: Folder): Promise<string | null> {
    for (const [name, child] of folder.children) {
      const oid = await this.#writeFolder(child)
      if (oid === null) folder.entries.delete(name)
      else folder.entries.set(name, { mode: folder.entries.get(name)?.mode || FOLDER_MODE, name, oid })
    }
    if (folder.entries.size === 0) return null
    return this.#store.put('tree', treeBytes(folder.entries.values()))
  }
}
