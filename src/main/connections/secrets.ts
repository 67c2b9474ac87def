/**
 * Where connection tokens live. They never leave the main process: the page
 * only ever learns *where* a token is kept, never the token.
 *
 * In Electron, tokens are encrypted with the OS keychain through safeStorage
 * (the adapter is handed in, so this module does not import electron). In
 * browser mode there is no keychain: tokens go to files only the user can read
 * (0600 in a 0700 folder), and the UI says so. A token file that is empty or
 * cannot be decrypted is damaged: it is set aside, never used or overwritten
 * silently, and the error says so.
 */
import { chmod, mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { TokenStorage } from '../../shared/app'
import { writeFileAtomic } from '../../lib/atomic'
import { moveAside } from '../../lib/saved-state'
import { AppError } from '../errors'

/** A place to keep one secret per connection id. */
export interface SecretStore {
  readonly storage: TokenStorage
  /** One sentence the UI shows next to each connection. */
  readonly note: string
  /** What to tell a user whose token was saved by the other kind of store (desktop app vs browser mode). */
  readonly missingHint: string
  save(id: string, secret: string): Promise<void>
  load(id: string): Promise<string | null>
  remove(id: string): Promise<void>
}

/** The part of Electron's safeStorage this module uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  /** Linux only: `basic_text` means no keyring, i.e. a hard-coded key. */
  getSelectedStorageBackend?(): string
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
}

function secretPath(dir: string, id: string, extension: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new AppError('bad_request', `"${id}" is not a valid connection id.`)
  return path.join(dir, `${id}.${extension}`)
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
}

/** Both stores share one folder; removing a connection removes its token in either form. */
async function removeBoth(dir: string, id: string): Promise<void> {
  await rm(secretPath(dir, id, 'token'), { force: true })
  await rm(secretPath(dir, id, 'enc'), { force: true })
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Moves a damaged token file aside and fails with a message that says so and what to do. */
async function damagedToken(file: string, problem: string): Promise<never> {
  const movedTo = await moveAside(file)
  throw new AppError(
    'token_missing',
    `The saved token in ${file} could not be used (${problem}); it was moved to ${movedTo}. Remove the connection and add it again with a new machine token.`,
  )
}

/** Browser mode: one 0600 file per token in a 0700 folder. */
export function createFileSecretStore(dir: string): SecretStore {
  return {
    storage: 'file',
    note: `Saved in a file only your user account can read (${dir}, mode 0600). Browser mode has no access to the OS keychain; the desktop app encrypts tokens with it.`,
    missingHint:
      'If you added it in the desktop app, its token is in the keychain and only the desktop app can use it.',
    async save(id, secret) {
      await ensurePrivateDir(dir)
      const file = secretPath(dir, id, 'token')
      await writeFileAtomic(file, secret)
      await chmod(file, 0o600)
    },
    async load(id) {
      const file = secretPath(dir, id, 'token')
      const data = await readOrNull(file)
      if (data === null) return null
      const token = data.toString('utf8')
      if (token.trim() === '') return damagedToken(file, 'the file is empty')
      return token
    },
    async remove(id) {
      await removeBoth(dir, id)
    },
  }
}

/**
 * Whether safeStorage is backed by a real keychain. On Linux without a keyring Electron falls
 * back to a hard-coded key (`basic_text`), which is no protection at all.
 */
export function hasRealKeychain(safeStorage: SafeStorageLike): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false
  return safeStorage.getSelectedStorageBackend?.() !== 'basic_text'
}

/**
 * The desktop app's store: the keychain when there is a real one, else the 0600 file store,
 * and the note says which, so nobody believes a token is encrypted when it is not.
 */
export function createDesktopSecretStore(dir: string, safeStorage: SafeStorageLike): SecretStore {
  if (hasRealKeychain(safeStorage)) return createKeychainSecretStore(dir, safeStorage)
  const files = createFileSecretStore(dir)
  return {
    ...files,
    note: `No OS keychain was found (on Linux, install and unlock GNOME Keyring or KWallet), so tokens are saved in a file only your user account can read (${dir}, mode 0600).`,
  }
}

/** Electron: tokens encrypted by the OS keychain (safeStorage), stored as ciphertext. */
export function createKeychainSecretStore(dir: string, safeStorage: SafeStorageLike): SecretStore {
  const requireKeychain = (): void => {
    if (!hasRealKeychain(safeStorage)) {
      throw new AppError(
        'keychain_unavailable',
        'The OS keychain is not available, so Restore Desk cannot store the token safely. Unlock or set up your keychain (on Linux: GNOME Keyring or KWallet) and try again.',
      )
    }
  }
  return {
    storage: 'keychain',
    note: 'Encrypted with your operating system’s keychain; only this app on this account can read it.',
    missingHint: 'If you added it in browser mode, its token is in a file that only browser mode reads.',
    async save(id, secret) {
      requireKeychain()
      await ensurePrivateDir(dir)
      const file = secretPath(dir, id, 'enc')
      await writeFileAtomic(file, safeStorage.encryptString(secret))
      await chmod(file, 0o600)
    },
    async load(id) {
      const file = secretPath(dir, id, 'enc')
      const data = await readOrNull(file)
      if (data === null) return null
      requireKeychain()
      let token: string
      try {
        token = safeStorage.decryptString(data)
      } catch (error) {
        return damagedToken(file, `the keychain could not decrypt it: ${(error as Error).message}`)
      }
      if (token.trim() === '') return damagedToken(file, 'it holds an empty token')
      return token
    },
    async remove(id) {
      await removeBoth(dir, id)
    },
  }
}
