import { randomBytes } from 'node:crypto'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { CHUNK_MAX_PLAIN_BYTES, decryptChunk, encryptChunk } from '../../src/node/crypto/chunk-cipher.js'
import { mbPerSecond } from './stats.js'

/**
 * The Blowfish ceiling of a download: 1 MiB chunks decrypted (Blowfish-CBC,
 * the implementation this process would use) on `threads` worker threads at
 * once for `ms`, in MB/s summed over the threads. A downloader decrypts on its
 * crypto pool's threads (defaultCryptoThreads), so its ceiling is Blowfish on
 * as many threads, not on one. The workers run this same file (worker mode
 * below); OpenSSL's legacy provider is process-wide, so native Blowfish comes along.
 */
export async function blowfishCeilingMbps (threads: number, ms: number): Promise<{ mbps: number, perThread: number[] }> {
  const url = new URL(import.meta.url)
  const runs = Array.from({ length: threads }, async () => await new Promise<{ bytes: number, ms: number }>((resolve, reject) => {
    const w = new Worker(url, { workerData: { blowfishCeilingMs: ms } })
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`blowfish worker exited with ${code}`)) })
  }))
  const results = await Promise.all(runs)
  const perThread = results.map(r => mbPerSecond(r.bytes, r.ms))
  return { mbps: perThread.reduce((a, b) => a + b, 0), perThread }
}

/** Decrypts one chunk over and over for `ms`; returns the bytes and the time taken. */
export function decryptLoop (ms: number): { bytes: number, ms: number } {
  const plain = randomBytes(CHUNK_MAX_PLAIN_BYTES)
  const { key, cipher } = encryptChunk(plain)
  for (let i = 0; i < 4; i++) decryptChunk(cipher, key) // warm-up
  let bytes = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) { decryptChunk(cipher, key); bytes += plain.length }
  return { bytes, ms: performance.now() - t0 }
}

if (!isMainThread && typeof (workerData as { blowfishCeilingMs?: number } | undefined)?.blowfishCeilingMs === 'number') {
  parentPort?.postMessage(decryptLoop((workerData as { blowfishCeilingMs: number }).blowfishCeilingMs))
}
