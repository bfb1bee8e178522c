import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { StoreErrorCode, StoreWarningCode, type WarningSink, storeError, storeErrorFrom } from './errors.js'

/**
 * One owner per store directory. LMDB itself happily shares an environment between
 * processes, but Tornet keeps in-memory indexes (cache heat, byte counts, batched peer
 * traffic) that a second writer would silently invalidate. So the first opener creates
 * `<dir>/store.lock` holding its pid; a later opener fails with STORE_LOCKED while that pid
 * is alive, and takes the lock over when it is not (the previous owner crashed or was
 * killed). A recycled pid can make a stale lock look alive; the message says how to clear it.
 */
export const LOCK_FILE = 'store.lock'

export interface StoreLock {
  readonly path: string
  release (): void
}

export function acquireStoreLock (dir: string, warn: WarningSink): StoreLock {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx', 0o644)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storeErrorFrom(err, dir, 'creating the lock file')
      const owner = readOwner(path)
      // An empty, very young lock file is another opener between create and write: not stale.
      if (owner === undefined && youngerThan(path, 2000)) {
        throw storeError(StoreErrorCode.LOCKED, `The store in ${dir} is being opened by another process right now.`)
      }
      if (owner !== undefined && isAlive(owner)) {
        throw storeError(StoreErrorCode.LOCKED,
          `The store in ${dir} is in use by process ${owner}${owner === process.pid ? ' (this one)' : ''}. ` +
          `Stop that Tornet node first, or use another data directory. If no such process is running, delete ${path}.`)
      }
      warn({ code: StoreWarningCode.STALE_LOCK, message: `Taking over the stale lock ${path} (owner ${owner ?? 'unknown'} is gone)` })
      try { unlinkSync(path) } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFrom(e, dir, 'removing a stale lock file')
      }
      continue // another process may win the race to re-create it; the next attempt sees its pid
    }
    try { writeSync(fd, `${process.pid}\n`) } finally { closeSync(fd) }
    let released = false
    return {
      path,
      release () {
        if (released) return
        released = true
        // Only remove the lock if it is still ours (someone may have deleted and retaken it).
        if (readOwner(path) === process.pid) {
          try { unlinkSync(path) } catch { /* already gone */ }
        }
      }
    }
  }
  throw storeError(StoreErrorCode.LOCKED, `Could not take the lock ${path}: other processes keep racing for it.`)
}

function readOwner (path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function youngerThan (path: string, ms: number): boolean {
  try { return Date.now() - statSync(path).mtimeMs < ms } catch { return false }
}

/** Whether a process with this pid runs (on this machine). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
