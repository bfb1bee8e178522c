import { createCipheriv, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { open } from 'lmdb'
import { generateMailKeys } from '../src/node/services/mail/mail-keys.js'
import { composeMessage } from '../src/node/services/mail/message-format.js'
import { openMailStore } from '../src/node/services/mail/mail-store.js'
import { openMail, sealMail } from '../src/node/services/mail/seal.js'
import { emit, progress } from './util.js'
import { median } from './support/stats.js'

/**
 * The local half of mail: the LMDB mail store with a full inbox, and sealing.
 *
 *   mail.store_page_ms         first page (50, newest first) of an inbox of N messages
 *   mail.store_deep_page_ms    the last page of it (offset N-50)
 *   mail.store_search_ms       a search over sender and subject of all N
 *   mail.store_adds_per_s      messages added (parsed, indexed, counted), 64 in flight
 *   mail.seal_mib_per_s / mail.open_mib_per_s   a message with a 2 MiB attachment
 * Baselines from the same run: 50 plain lmdb gets by key from a database of N records of the
 * same size (the floor a page can reach), and native ChaCha20-Poly1305 on the same bytes.
 *
 *   npm run bench -- mail-store [--messages 10000]
 */
export const summary = 'mail store paging/search on a full inbox, and seal/open speed, with lmdb and AEAD baselines'

async function timeIt (rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t = performance.now()
    await fn()
    ms.push(performance.now() - t)
  }
  return median(ms)
}

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { messages: { type: 'string', default: '10000' } } })
  const n = Number(values.messages)
  if (!Number.isInteger(n) || n < 100) throw new Error('usage: mail-store [--messages N>=100]')
  const base = await mkdtemp(join(tmpdir(), 'bench-mail-'))
  try {
    const store = await openMailStore(join(base, 'store'))
    const raws: Buffer[] = []
    for (let i = 0; i < 64; i++) {
      raws.push((await composeMessage({ to: ['me@tor-net'], subject: `message ${i} about topic ${i % 9}`, text: 'hello '.repeat(50 + i) },
        `sender${i % 13}@tor-net`, new Date(Date.UTC(2026, 0, 1) + i * 60_000))).raw)
    }
    progress(`filling an inbox with ${n} messages…`)
    const t0 = performance.now()
    for (let i = 0; i < n; i += 64) {
      const batch: Array<Promise<unknown>> = []
      for (let j = i; j < Math.min(n, i + 64); j++) batch.push(store.add('inbox', raws[j % raws.length], { now: Date.UTC(2026, 0, 1) + j * 1000 }))
      await Promise.all(batch)
    }
    const addsPerS = n / ((performance.now() - t0) / 1000)
    const page = await timeIt(50, async () => await store.list('inbox', { limit: 50 }))
    const deep = await timeIt(50, async () => await store.list('inbox', { offset: n - 50, limit: 50 }))
    const search = await timeIt(10, async () => await store.list('inbox', { search: 'sender7@', limit: 50 }))
    await store.close()

    progress('baseline: plain lmdb gets')
    const env = open({ path: join(base, 'plain'), maxDbs: 2 })
    const db = env.openDB<Record<string, unknown>, string>('r', {})
    const rec = { id: '', subject: 'message about topic', from: 'sender@tor-net', to: ['me@tor-net'], date: 0, unread: true, size: 900, attachments: 0, folder: 'inbox' }
    await env.transaction(() => { for (let i = 0; i < n; i++) db.put(String(i).padStart(16, '0'), { ...rec, id: String(i) }) })
    const plain = await timeIt(50, async () => { for (let i = 0; i < 50; i++) db.get(String((i * 7919) % n).padStart(16, '0')) })
    await env.close()

    progress('sealing a message with a 2 MiB attachment')
    const alice = generateMailKeys()
    const bob = generateMailKeys()
    const { raw } = await composeMessage({ to: ['bob@tor-net'], subject: 'file', text: 'see attached', attachments: [{ filename: 'x.bin', contentType: 'application/octet-stream', content: randomBytes(2 * 1024 * 1024) }] }, 'alice@tor-net')
    const to = { mailboxId: bob.id, encryptionKey: bob.encryptionKey }
    let sealed: Buffer = Buffer.alloc(0)
    const sealMs = await timeIt(7, async () => { sealed = sealMail(raw, alice, to) })
    const openMs = await timeIt(7, async () => openMail(sealed, bob))
    const key = randomBytes(32)
    const aeadMs = await timeIt(7, async () => {
      const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
      c.update(raw)
      c.final()
    })
    const mib = raw.length / (1024 * 1024)
    const extra = { messages: n }
    emit('mail.store_page_ms', Number(page.toFixed(3)), 'ms', extra)
    emit('mail.store_deep_page_ms', Number(deep.toFixed(3)), 'ms', extra)
    emit('mail.store_search_ms', Number(search.toFixed(3)), 'ms', extra)
    emit('mail.store_page_baseline_ms', Number(plain.toFixed(3)), 'ms', { ...extra, baseline: '50 lmdb gets by key' })
    emit('mail.store_page_vs_baseline', Number((page / plain).toFixed(2)), 'ratio', extra)
    emit('mail.store_adds_per_s', Math.round(addsPerS), 'messages/s', extra)
    emit('mail.seal_mib_per_s', Number((mib / (sealMs / 1000)).toFixed(1)), 'MiB/s', { bytes: raw.length })
    emit('mail.open_mib_per_s', Number((mib / (openMs / 1000)).toFixed(1)), 'MiB/s', { bytes: raw.length })
    emit('mail.seal_aead_baseline_mib_per_s', Number((mib / (aeadMs / 1000)).toFixed(1)), 'MiB/s', { bytes: raw.length })
    emit('mail.seal_vs_aead', Number((sealMs / aeadMs).toFixed(2)), 'ratio', { bytes: raw.length })
  } finally {
    await rm(base, { recursive: true, force: true })
  }
}
