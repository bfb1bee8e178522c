import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { MAX_POST_BYTES } from '../node/index.js'
import { usageError } from './errors.js'

/**
 * Text posts on their way to a running broadcast. The store admits one
 * process, so `tornet radio post` cannot open the node while `tornet radio
 * broadcast` (or the demo) runs; it leaves the post in
 * `<dataDir>/stations/<label>.posts/` and the broadcaster picks it up.
 */
const POLL_MS = 500
/** Posts taken per poll: a flood of files cannot stall the broadcast. */
const MAX_PER_POLL = 20

export function postSpoolDir (dataDir: string, label: string): string {
  return join(dataDir, 'stations', `${label}.posts`)
}

/** Checks and queues a post; returns the file written. */
export function queuePost (dataDir: string, label: string, text: string): string {
  const bytes = Buffer.byteLength(text)
  if (text.trim() === '') throw usageError('the post is empty')
  if (bytes > MAX_POST_BYTES) throw usageError(`the post is ${bytes} bytes; a post is at most ${MAX_POST_BYTES} bytes (UTF-8)`)
  const dir = postSpoolDir(dataDir, label)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  // Time first, so that the broadcaster's sorted read keeps the posts in order.
  const file = join(dir, `${Date.now().toString().padStart(15, '0')}-${randomBytes(4).toString('hex')}.txt`)
  const tmp = `${file}.tmp`
  // Written aside and renamed: the broadcaster never reads half a post.
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, file)
  return file
}

/** Hands queued posts to `post` until the signal fires; takes (and deletes) each once. */
export function watchPosts (dataDir: string, label: string, post: (text: string) => void, signal: AbortSignal): void {
  const dir = postSpoolDir(dataDir, label)
  const poll = (): void => {
    let names: string[]
    try { names = readdirSync(dir).filter(n => n.endsWith('.txt')).sort().slice(0, MAX_PER_POLL) } catch { return }
    for (const name of names) {
      const file = join(dir, name)
      try {
        const text = readFileSync(file, 'utf8')
        rmSync(file, { force: true })
        if (text.trim() !== '' && Buffer.byteLength(text) <= MAX_POST_BYTES) post(text)
      } catch { /* taken by another reader, or unreadable: skip */ }
    }
  }
  poll()
  const timer = setInterval(poll, POLL_MS)
  timer.unref()
  signal.addEventListener('abort', () => { clearInterval(timer) }, { once: true })
}
