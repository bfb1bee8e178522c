import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Files that hold secret keys (identity.json, station keys, mail keys): written 0600 in a
 * 0700 directory, atomically (temp + rename, both fsynced), and refused on load when the
 * group or others may read or write them: whoever reads a secret key can act as its owner,
 * and whoever writes it can swap in their own; a warning scrolls past in a log, a refusal
 * gets fixed. ssh does the same for private keys. Windows has no such mode bits.
 */

/** Replaces `file` with `body`; the secret never exists on disk with wider permissions, even for a moment. */
export function writeSecretFile (file: string, body: string): void {
  const dir = dirname(file)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(tmp, 'wx', 0o600)
  try {
    try {
      writeSync(fd, body)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } finally {
    rmSync(tmp, { force: true })
  }
  syncDirectory(dir)
}

/** Makes the rename itself durable; not every platform lets a directory be fsynced, which is fine. */
function syncDirectory (dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * The file's text and mode (of the file read, not of whatever the path names a moment
 * later); undefined when there is no such file. Other failures are thrown as they are.
 */
export function readSecretFile (file: string): { text: string, mode: number } | undefined {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const mode = fstatSync(fd).mode
    return { text: readFileSync(fd, 'utf8'), mode }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * What others than the owner may do with a file of this mode ('read' or 'write'), or
 * undefined when nothing (and always on Windows). For the message: "other users may read it".
 */
export function othersMay (mode: number): 'read' | 'write' | undefined {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return undefined
  return (mode & 0o044) !== 0 ? 'read' : 'write'
}

export interface SecretFileErrors {
  /** The file exists but cannot be read (permissions, I/O). */
  unreadable: (reason: string, cause: unknown) => Error
  /** The group or others may read or write it. */
  insecure: (may: 'read' | 'write', mode: number) => Error
}

/**
 * Reads and parses a secret file: undefined when absent; `parse` reports damage first (its own
 * errors), then a file others may read or write is refused.
 */
export function loadSecretFile<T> (file: string, parse: (text: string) => T, errors: SecretFileErrors): T | undefined {
  let read: { text: string, mode: number } | undefined
  try {
    read = readSecretFile(file)
  } catch (err) {
    throw errors.unreadable(`it cannot be read (${(err as Error).message})`, err)
  }
  if (read === undefined) return undefined
  const value = parse(read.text)
  const may = othersMay(read.mode)
  if (may !== undefined) throw errors.insecure(may, read.mode & 0o777)
  return value
}
