/**
 * What `npm start` gives a newcomer for mail: the demo network (real nodes on 127.0.0.1 UDP, real
 * LMDB) gives the gateway's node a mailbox, and another demo node (welcome-mail@tor-net) sends it
 * a welcome mail, sealed, stamped and pushed like any other; the webmail at http://mail.tor-net/
 * (through the proxy) shows it, and the sender's copy turns "delivered" with the receipt.
 * A restarted demo keeps the mailbox and does not send the welcome again.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { WELCOME_SUBJECT } from '../../src/cli/serve/demo-mail.js'
import { mailInstructions } from '../../src/cli/serve/instructions.js'

let demo: DemoNetwork | undefined
let dataDir: string
const OPTIONS = { nodes: 4, gatewayPort: 0, rank: 4, nameDifficulty: 8, mailDifficulty: 8 }

function proxyGet (port: number, url: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, headers: { host: new URL(url).host }, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tornet-demo-mail-'))
  demo = await startDemoNetwork({ dataDir, ...OPTIONS })
}, 180_000)

afterAll(async () => {
  await demo?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe('the demo\'s welcome mail', () => {
  it('is in the newcomer\'s webmail at http://mail.tor-net/, and the sender sees it delivered', async () => {
    const d = demo!
    await d.mail.welcome
    const port = d.served.gateway.address.port
    const inbox = await proxyGet(port, 'http://mail.tor-net/')
    expect(inbox.status).toBe(200)
    expect(inbox.body).toContain(WELCOME_SUBJECT)
    expect(inbox.body).toContain('1 unread')
    const id = inbox.body.match(/href="\/m\/([0-9a-f]+)"/)?.[1]
    const message = await proxyGet(port, `http://mail.tor-net/m/${id!}`)
    expect(message.body).toContain('welcome-mail@tor-net will get it')
    expect(mailInstructions(d.served.gateway.url, d.mail.address)).toContain('http://mail.tor-net/')
    // The newcomer's node signed a receipt: the sending node's check takes it in.
    const sender = d.nodes[1]!
    const deadline = Date.now() + 60_000
    while ((await sender.mail.list('sent')).messages[0]?.delivery !== 'delivered') {
      if (Date.now() > deadline) throw new Error('the receipt did not arrive')
      await sender.mail.check()
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }, 180_000)

  it('is not sent again when the demo restarts; the mailbox is kept', async () => {
    const address = demo!.mail.address
    await demo!.close()
    demo = await startDemoNetwork({ dataDir, ...OPTIONS })
    await demo.mail.welcome
    expect(demo.mail.address).toBe(address)
    expect((await demo.nodes[1]!.mail.list('sent')).total).toBe(1)
    expect((await demo.nodes[0]!.mail.list('inbox')).total).toBe(1)
  }, 180_000)
})
