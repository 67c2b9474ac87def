/**
 * Where connection tokens live. They never leave the main process: the page
 * only ever learns *where* a token is kept, never the token.
 *
 * In Electron, tokens are encrypted with the OS keychain through safeStorage
 * (the adapter is handed in, so this module does not import electron). In
 * browser mode there is no keychain: tokens go to files only the user can read
 * (0600 in a 0700 folder), and the UI says so.
 */
import { chmod, mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { TokenStorage } from '../../shared/app'
import { writeFileAtomic } from '../../platform/archives'
import { AppError } from '../errors'

/** A place to keep one secret per connection id. */
export interface SecretStore {
  readonly storage: TokenStorage
  /** One sentence the UI shows next to each connection. */
  readonly note: string
  save(id: string, secret: string): Promise<void>
  load(id: string): Promise<string | null>
  remove(id: string): Promise<void>
}

/** The part of Electron's safeStorage this module uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
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

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Browser mode: one 0600 file per token in a 0700 folder. */
export function createFileSecretStore(dir: string): SecretStore {
  return {
    storage: 'file',
    note: `Saved in a file only your user account can read (${dir}, mode 0600). Browser mode has no access to the OS keychain; the desktop app encrypts tokens with it.`,
    async save(id, secret) {
      await ensurePrivateDir(dir)
      const file = secretPath(dir, id, 'token')
      await writeFileAtomic(file, secret)
      await chmod(file, 0o600)
    },
    async load(id) {
      const data = await readOrNull(secretPath(dir, id, 'token'))
      return data === null ? null : data.toString('utf8')
    },
    async remove(id) {
      await rm(secretPath(dir, id, 'token'), { force: true })
    },
  }
}

/** Electron: tokens encrypted by the OS keychain (safeStorage), stored as ciphertext. */
export function createKeychainSecretStore(dir: string, safeStorage: SafeStorageLike): SecretStore {
  const requireKeychain = (): void => {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new AppError(
        'keychain_unavailable',
        'The OS keychain is not available, so Restore Desk cannot store the token safely. Unlock or set up your keychain (on Linux: GNOME Keyring or KWallet) and try again.',
      )
    }
  }
  return {
    storage: 'keychain',
    note: 'Encrypted with your operating system’s keychain; only this app on this account can read it.',
    async save(id, secret) {
      requireKeychain()
      await ensurePrivateDir(dir)
      const file = secretPath(dir, id, 'enc')
      await writeFileAtomic(file, safeStorage.encryptString(secret))
      await chmod(file, 0o600)
    },
    async load(id) {
      const data = await readOrNull(secretPath(dir, id, 'enc'))
      if (data === null) return null
      requireKeychain()
      return safeStorage.decryptString(data)
    },
    async remove(id) {
      await rm(secretPath(dir, id, 'enc'), { force: true })
    },
  }
}
