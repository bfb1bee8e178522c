import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEDGER_SERVICE } from '../../src/node/accounting/address-exchange/messages.js'
import { FakePayments } from '../helpers/fake-payments.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

// Valid mainnet addresses (BIP84's first receive address; a base58check P2PKH one).
const SERVER_ADDRESS = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'
const CLIENT_ADDRESS = '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'

function paymentsAt (address: string): FakePayments {
  const p = new FakePayments()
  p.receiveAddress = () => address
  return p
}

async function until (check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('send addresses on real UDP', () => {
  let net: Testnet
  beforeAll(async () => {
    const addresses = [SERVER_ADDRESS, CLIENT_ADDRESS]
    net = await createTestnet(2, { probeMtu: 16_000, paymentsFor: (i) => paymentsAt(addresses[i]) })
  })
  afterAll(async () => { await net?.close() })

  it('two peers that trade tell each other their send address, kept in their ledgers and shown by the report', async () => {
    const [server, client] = net.nodes
    const data = randomBytes(256 << 10)
    const published = await server.content.publish([{ path: 'a.bin', kind: 'file', size: data.length, open: async function * () { yield data } }])
    await server.chunks.publish(published.chunkIds)
    for (const id of published.chunkIds) await client.chunks.source.get(id)
    const serverHex = server.identity.id.toString('hex')
    const clientHex = client.identity.id.toString('hex')
    await until(() => client.accounting.ledger.get(serverHex)?.sendAddress === SERVER_ADDRESS && server.accounting.ledger.get(clientHex)?.sendAddress === CLIENT_ADDRESS)
    expect(server.ledger().peers.find(p => p.id === clientHex)?.sendAddress).toBe(CLIENT_ADDRESS)
    // Kept on disk.
    await server.accounting.ledger.flush()
    expect(server.accounting.ledger.list().find(p => p.id === clientHex)?.sendAddress).toBe(CLIENT_ADDRESS)
  })

  it('refuses a message with a bad address, and keeps the one it had', async () => {
    const [server, client] = net.nodes
    const clientHex = client.identity.id.toString('hex')
    const bad = Buffer.concat([Buffer.from([1, 1, 16]), Buffer.from('bc1qnotanaddress')])
    const to = { endpoint: server.contact.endpoint, id: server.identity.id, publicKey: server.identity.publicKey }
    await expect(client.internals.link.request(to, LEDGER_SERVICE, bad)).rejects.toThrow()
    const trailing = Buffer.concat([Buffer.from([1, 1, CLIENT_ADDRESS.length]), Buffer.from(CLIENT_ADDRESS), Buffer.from([0])])
    await expect(client.internals.link.request(to, LEDGER_SERVICE, trailing)).rejects.toThrow()
    expect(server.accounting.ledger.get(clientHex)?.sendAddress).toBe(CLIENT_ADDRESS)
    expect(server.accounting.addresses.refused).toBeGreaterThanOrEqual(2)
  })
})
