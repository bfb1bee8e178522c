import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serveGateway } from '../src/cli/serve/serve-gateway.js'
import { installMail, type MailApi } from '../src/gateway/apps/mail/index.js'
import { createTestnet } from '../src/node/index.js'
import { keyAddress } from '../src/node/services/mail/address.js'
import { generateMailKeys } from '../src/node/services/mail/mail-keys.js'
import { openMailStore, type MailStore } from '../src/node/services/mail/mail-store.js'
import { MemoryMail } from '../test/helpers/memory-mail.js'
import { storeMail } from './support/store-mail.js'
import { ProxyClient } from './support/proxy-get.js'
import { median, percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * The webmail's inbox page with a full mailbox (issue 16):
 *
 *   mail.inbox_ttfb_ms     GET http://mail.tor-net/ through the gateway's proxy port (the first page of
 *                          an inbox of --messages, with unread counts for every folder): request → status
 *                          line and headers, median of --samples after a warm-up; p99 in the line too
 *                          (last_page_ms: the last page; search_ms: a search by sender over all of them)
 *   baseline               the dashboard page (http://tornet.tor-net/) on the same gateway and node, the
 *                          same way, in the same run; the ratio is inbox / dashboard
 *
 * The node is a real one (createTestnet(1)) served by serveGateway as `npm start` does. The mailbox
 * (--store lmdb, the default) is a real LMDB MailStore in a temporary directory, read through the
 * reading half of MailApi (support/store-mail.ts); --store memory uses the tests' in-memory MailApi
 * (test/helpers/memory-mail.ts) instead. The messages are real RFC 5322 bytes, stored as received.
 *
 *   npm run bench -- mail-inbox [--messages 10000] [--samples 200] [--store lmdb|memory]
 */
export const summary = 'webmail inbox TTFB with 10,000 messages vs the dashboard page'

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args, options: { messages: { type: 'string', default: '10000' }, samples: { type: 'string', default: '200' }, store: { type: 'string', default: 'lmdb' } }
  })
  if (values.store !== 'lmdb' && values.store !== 'memory') throw new Error('mail-inbox: --store is lmdb or memory')
  await inboxTtfb({ messages: Number(values.messages), samples: Number(values.samples), store: values.store })
}

/** mail.inbox_ttfb_ms (also printed by `npm run bench -- mail`). */
export async function inboxTtfb (opts: { messages: number, samples: number, store: 'lmdb' | 'memory' }): Promise<void> {
  const { messages, samples } = opts
  progress('mail-inbox: starting a node and its gateway')
  const net = await createTestnet(1)
  const node = net.nodes[0]!
  const served = await serveGateway(node, { port: 0 })
  const dir = await mkdtemp(join(tmpdir(), 'tornet-bench-mail-'))
  let lmdb: MailStore | undefined
  let mail: MailApi
  let add: (raw: Buffer, unread: boolean) => Promise<unknown>
  if (opts.store === 'lmdb') {
    const store = lmdb = await openMailStore(dir)
    const keys = generateMailKeys()
    mail = storeMail(store, { id: keys.id, signingKey: keys.signingKey, encryptionKey: keys.encryptionKey, address: keyAddress(keys.signingKey), names: ['bench@tor-net'] })
    add = async (raw, unread) => await store.add('inbox', raw, { unread })
  } else {
    const memory = new MemoryMail({ mailbox: 'bench' })
    mail = memory
    add = async (raw, unread) => await memory.add('inbox', raw, { unread })
  }
  // Installed over whatever serveGateway put there (the node's own mail, once it has one): the router keeps one app per name.
  installMail(served.gateway, { mail, token: served.dashboard.token })
  const client = new ProxyClient({ host: '127.0.0.1', port: served.gateway.address.port })
  try {
    await seed(add, messages)
    const inbox = await timeSeries(client, 'http://mail.tor-net/', samples, 'inbox')
    const dashboard = await timeSeries(client, 'http://tornet.tor-net/', samples, 'dashboard')
    const lastPage = await timeSeries(client, `http://mail.tor-net/?page=${Math.ceil(messages / 50)}`, Math.ceil(samples / 4), 'last inbox page')
    const search = await timeSeries(client, 'http://mail.tor-net/?q=sender7%40', Math.ceil(samples / 4), 'search')
    const counts = await mail.counts()
    emit('mail.inbox_ttfb_ms', round(median(inbox.ttfb), 2), 'ms', {
      p99: round(percentile(inbox.ttfb, 99), 2),
      messages: counts.inbox.total,
      page_bytes: inbox.bytes,
      store: opts.store === 'lmdb' ? 'LMDB MailStore' : 'memory-mail (test helper)',
      baseline_dashboard_ms: round(median(dashboard.ttfb), 2),
      baseline_dashboard_p99: round(percentile(dashboard.ttfb, 99), 2),
      ratio: round(median(inbox.ttfb) / median(dashboard.ttfb), 2),
      last_page_ms: round(median(lastPage.ttfb), 2),
      search_ms: round(median(search.ttfb), 2),
      target_ms: 50,
      samples
    })
  } finally {
    client.close()
    await served.close()
    await net.close()
    await lmdb?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Fills the inbox with `n` plain messages from 50 senders, a tenth of them unread, 200 at a time
 * (LMDB commits concurrent writes together, as it does for mail arriving in bursts).
 */
async function seed (add: (raw: Buffer, unread: boolean) => Promise<unknown>, n: number): Promise<void> {
  const t0 = performance.now()
  const start = Date.UTC(2026, 0, 1)
  const message = (i: number): Buffer => Buffer.from([
    `From: sender${i % 50}@tor-net`, 'To: bench@tor-net', `Subject: Message number ${i} about topic ${i % 97}`,
    `Date: ${new Date(start + i * 60_000).toUTCString()}`, `Message-ID: <bench-${i}@tor-net>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', `Body of message ${i}.`, ''
  ].join('\r\n'))
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, (_, k) => i + k)
    await Promise.all(batch.map(async j => await add(message(j), j % 10 === 0)))
    if ((i + batch.length) % 2000 === 0) progress(`mail-inbox: ${i + batch.length}/${n} messages in the inbox (${Math.round(performance.now() - t0)} ms)`)
  }
}

async function timeSeries (client: ProxyClient, url: string, n: number, label: string): Promise<{ ttfb: number[], bytes: number }> {
  progress(`mail-inbox: ${n} requests for the ${label} page`)
  for (let i = 0; i < 10; i++) await client.get(url) // warm-up: JIT, keep-alive connection
  const ttfb: number[] = []
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const r = await client.get(url)
    if (r.status !== 200) throw new Error(`mail-inbox: ${url} answered ${r.status}`)
    ttfb.push(r.ttfbMs)
    bytes = r.bytes
  }
  return { ttfb, bytes }
}
