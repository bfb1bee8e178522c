/**
 * The bridge's own files in the data directory (its password, its IMAP UID
 * map): written whole to a temporary file created 0600 and renamed over, so
 * a crash leaves the old file or the new one, never half of one, and a
 * secret never exists on disk with wider permissions.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const BRIDGE_DIR = 'mail-bridge'

export function bridgeFile (dataDir: string, name: string): string {
  return join(dataDir, BRIDGE_DIR, name)
}

export function writePrivateFile (file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(tmp, 'wx', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(tmp, file)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** The file's text and mode, or undefined when it does not exist; other failures throw. */
export function readPrivateFile (file: string): { text: string, mode: number } | undefined {
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
