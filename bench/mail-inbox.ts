import { parseArgs } from 'node:util'
import { serveGateway } from '../src/cli/serve/serve-gateway.js'
import { installMail, type MailApi } from '../src/gateway/apps/mail/index.js'
import { createTestnet } from '../src/node/index.js'
import { MemoryMail } from '../test/helpers/memory-mail.js'
import { ProxyClient } from './support/proxy-get.js'
import { median, percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * The webmail's inbox page with a full mailbox (issue 16):
 *
 *   mail.inbox_ttfb_ms     GET http://mail.tor-net/ through the gateway's proxy port (the first page of
 *                          an inbox of --messages, with unread counts for every folder): request → status
 *                          line and headers, median of --samples after a warm-up; p99 in the line too
 *   baseline               the dashboard page (http://tornet.tor-net/) on the same gateway and node, the
 *                          same way, in the same run; the ratio is inbox / dashboard
 *
 * The node is a real one (createTestnet(1)) served by serveGateway as `npm start` does. The mailbox is
 * held by the in-memory MailApi of the tests (test/helpers/memory-mail.ts: real RFC 5322 messages,
 * parsed with mailparser) until the node has its own mail store; a node with `node.mail` uses that.
 *
 *   npm run bench -- mail-inbox [--messages 10000] [--samples 200]
 */
export const summary = 'webmail inbox TTFB with 10,000 messages vs the dashboard page'

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({ args, options: { messages: { type: 'string', default: '10000' }, samples: { type: 'string', default: '200' } } })
  const messages = Number(values.messages)
  const samples = Number(values.samples)
  progress('mail-inbox: starting a node and its gateway')
  const net = await createTestnet(1)
  const node = net.nodes[0]!
  const served = await serveGateway(node, { port: 0 })
  const own = (node as { mail?: MailApi }).mail
  const mail: MailApi = own ?? new MemoryMail({ mailbox: 'bench' })
  if (own === undefined) installMail(served.gateway, { mail, token: served.dashboard.token })
  const store = own === undefined ? 'memory-mail (test/helpers/memory-mail.ts)' : 'node.mail'
  const client = new ProxyClient({ host: '127.0.0.1', port: served.gateway.address.port })
  try {
    if (mail.mailbox() === undefined) await mail.createMailbox({})
    await seed(mail, messages)
    const inbox = await timeSeries(client, 'http://mail.tor-net/', samples, 'inbox')
    const dashboard = await timeSeries(client, 'http://tornet.tor-net/', samples, 'dashboard')
    const counts = await mail.counts()
    emit('mail.inbox_ttfb_ms', round(median(inbox.ttfb), 2), 'ms', {
      p99: round(percentile(inbox.ttfb, 99), 2),
      messages: counts.inbox.total,
      page_bytes: inbox.bytes,
      store,
      baseline_dashboard_ms: round(median(dashboard.ttfb), 2),
      baseline_dashboard_p99: round(percentile(dashboard.ttfb, 99), 2),
      ratio: round(median(inbox.ttfb) / median(dashboard.ttfb), 2),
      target_ms: 50,
      samples
    })
  } finally {
    client.close()
    await served.close()
    await net.close()
  }
}

/** Fills the inbox with `n` plain messages from 50 senders, a tenth of them unread. */
async function seed (mail: MailApi, n: number): Promise<void> {
  const have = (await mail.counts()).inbox.total
  const add = (mail as Partial<MemoryMail>).add?.bind(mail)
  if (add === undefined) {
    if (have < n) throw new Error(`mail-inbox: the node's mailbox holds ${have} messages; it cannot be filled from here`)
    return
  }
  const t0 = performance.now()
  const start = Date.UTC(2026, 0, 1)
  for (let i = have; i < n; i++) {
    const raw = Buffer.from([
      `From: sender${i % 50}@tor-net`, 'To: bench@tor-net', `Subject: Message number ${i} about topic ${i % 97}`,
      `Date: ${new Date(start + i * 60_000).toUTCString()}`, `Message-ID: <bench-${i}@tor-net>`, 'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8', '', `Body of message ${i}.`, ''
    ].join('\r\n'))
    await add('inbox', raw, { unread: i % 10 === 0 })
    if ((i + 1) % 2000 === 0) progress(`mail-inbox: ${i + 1}/${n} messages in the inbox (${Math.round(performance.now() - t0)} ms)`)
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
