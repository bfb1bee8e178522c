import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { serveGateway } from '../../src/cli/serve/serve-gateway.js'
import { parseTarget } from '../../src/node/services/names/target-text.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/node/config.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { createNode, type TornetNode } from '../../src/node/node.js'
import { CHUNK_SERVICE } from '../../src/node/services/chunks/messages.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

/**
 * Anonymous fetching and delegated lookups on 16 real nodes over UDP on
 * 127.0.0.1: content published on one node is read by another through a
 * 3-hop circuit, byte-exact, and the publisher serves the exit, never the
 * reader; two isolation tags ride two circuits with no hop in common; a
 * lookup run by a delegate through a 1-hop circuit finds what a direct one
 * finds; a node configured with routing.delegate publishes through it.
 */

const hex = (b: Buffer): string => b.toString('hex')

function bigFile (length: number): Buffer {
  const b = Buffer.alloc(length)
  let x = 0x12345678
  for (let i = 0; i + 4 <= length; i += 4) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; b.writeUInt32LE(x, i) }
  return b
}

async function sha256Of (it: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('sha256')
  for await (const part of it) h.update(part)
  return h.digest('hex')
}

/** Bytes a node exchanged on service `kind` with each peer, from now on (the link's meter sees every datagram). */
function bytesOnKind (node: TornetNode, kind: string): Map<string, number> {
  const seen = new Map<string, number>()
  const meter = node.internals.meter
  const record = meter.record.bind(meter)
  meter.record = (peer, direction, bytes, k) => {
    if (k === kind && peer !== undefined) seen.set(peer, (seen.get(peer) ?? 0) + bytes)
    record(peer, direction, bytes, k)
  }
  return seen
}

/** The hops (node ids, hex) of the reader's open circuit for `isolation`. */
function hopsOf (node: TornetNode, isolation: string): string[] {
  const circuits = [...node.tunnels.internals.origin.values()].filter(c => c.info.isolation === isolation && c.info.state === 'open')
  expect(circuits.length).toBe(1)
  return circuits[0].hops.map(h => hex(h.id))
}

describe('anonymous fetching and delegated lookups on 16 UDP nodes', { timeout: 120_000 }, () => {
  let net: Testnet
  let host: string
  const files = new Map<string, Buffer>([['index.html', Buffer.from('<h1>read me anonymously</h1>')], ['big.bin', bigFile(4 * 1024 * 1024 + 5)]])

  beforeAll(async () => {
    net = await createTestnet(16, { probeMtu: 16_000, nameDifficulty: 8, config: { names: { difficulty: 8 } } })
    const entries = [...files].map(([path, body]) => ({ path, kind: 'file' as const, size: body.length, open: async function * () { yield body } }))
    host = (await net.nodes[0].publish(entries)).host
    await net.nodes[0].names.register('anonsite', parseTarget(host))
  }, 120_000)
  afterAll(async () => { await net?.close() })

  it('reads content through a 3-hop circuit byte-exact; the publisher serves the exit, never the reader', async () => {
    const publisher = net.nodes[0]
    const reader = net.nodes[15]
    // A second provider (it caches what it read, and announces it): the reader then takes slices
    // from two providers at once, two streams on one circuit.
    const second = net.nodes[1]
    expect(await sha256Of(second.content.read(host, 'big.bin', undefined))).toBe(createHash('sha256').update(files.get('big.bin')!).digest('hex'))
    const served = [bytesOnKind(publisher, CHUNK_SERVICE), bytesOnKind(second, CHUNK_SERVICE)]
    const readerChunkTraffic = bytesOnKind(reader, CHUNK_SERVICE)
    const anon = reader.anonymousContent(3, 'alice')
    for (const [path, body] of files) {
      expect(await sha256Of(anon.read(host, path, undefined)), path).toBe(createHash('sha256').update(body).digest('hex'))
    }
    const hops = hopsOf(reader, 'alice')
    expect(hops.length).toBe(3)
    const exitId = hops[2]
    // No slice reached the reader over its own links: all its chunk traffic, with anyone, is at
    // most the provider records others announce to it (it may be among the nodes nearest a chunk).
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)
    expect(sum(readerChunkTraffic)).toBeLessThan(64 * 1024)
    expect(served.reduce((a, m) => a + (m.get(hex(reader.contact.id)) ?? 0), 0)).toBeLessThan(64 * 1024)
    // The providers served the exit (unless the exit is a provider itself and served from its store).
    const exitIsProvider = exitId === hex(publisher.contact.id) || exitId === hex(second.contact.id)
    if (!exitIsProvider) expect(served.reduce((a, m) => a + (m.get(exitId) ?? 0), 0)).toBeGreaterThan(0)
    // Nothing read this way was kept (or announced) by the reader.
    expect(reader.chunkIds().length).toBe(0)
    // The exit ran the operations, and knows the circuit only by its predecessor, the middle hop.
    const exit = net.nodes.find(n => hex(n.contact.id) === exitId)!
    expect(exit.exitStats()?.streams).toBeGreaterThan(0)
    // The circuit that carried the 4 MiB is the one with thousands of cells; other circuits the
    // exit may end carry a handful.
    const carried = exit.tunnels.relayed().filter(v => v.next === undefined && v.cells > 1000)
    expect(carried.length).toBeGreaterThan(0)
    for (const v of carried) expect(v.previous).toBe(hops[1])
    expect(carried.some(v => v.previous === hex(reader.contact.id))).toBe(false)
  })

  it('keeps two isolation tags on two circuits with no hop in common', async () => {
    const reader = net.nodes[14]
    for (const tag of ['tab-1', 'tab-2']) {
      expect(await sha256Of(reader.anonymousContent(3, tag).read(host, 'index.html', undefined))).toBe(createHash('sha256').update(files.get('index.html')!).digest('hex'))
    }
    const a = hopsOf(reader, 'tab-1')
    const b = hopsOf(reader, 'tab-2')
    expect(a.length).toBe(3)
    expect(b.length).toBe(3)
    expect(a.filter(h => b.includes(h))).toEqual([])
    expect(reader.tunnels.circuits().filter(c => c.state === 'open' && (c.isolation === 'tab-1' || c.isolation === 'tab-2')).length).toBe(2)
  })

  it('a lookup delegated through a 1-hop circuit finds the same closest nodes as a direct one', async () => {
    const asker = net.nodes[13]
    const delegate = net.nodes[3]
    const target = createHash('sha256').update('some key').digest()
    const via = `${hex(delegate.identity.publicKey)}@${delegate.endpoint.address}:${delegate.endpoint.port}`
    const before = delegate.exitStats()?.lookups ?? 0
    const delegated = (await asker.lookupVia(target, via, { count: 12 })).map(c => hex(c.id))
    const direct = (await asker.findNode(target)).closest.map(c => hex(c.id))
    expect(delegate.exitStats()?.lookups).toBe(before + 1)
    // The delegate does not list itself, and the asker never hears of itself: compare the rest.
    const others = (ids: string[]): string[] => ids.filter(id => id !== hex(delegate.contact.id) && id !== hex(asker.contact.id)).slice(0, 8)
    expect(others(delegated)).toEqual(others(direct))
    expect(asker.tunnels.circuits().some(c => c.purpose === 'delegate' && c.state === 'open')).toBe(false)
  })

  it('a node with routing.delegate runs its services\' lookups at the delegate', async () => {
    const delegate = net.nodes[4]
    const dir = mkdtempSync(join(tmpdir(), 'tornet-delegating-'))
    const node = await createNode({
      dataDir: dir,
      identity: generateIdentity(),
      link: { probeMtu: 16_000 },
      config: {
        ...defaultConfig(),
        minRank: 0,
        allowPrivateEndpoints: true,
        listen: { host: '127.0.0.1', port: 0 },
        routing: { delegate: `${hex(delegate.identity.publicKey)}@${delegate.endpoint.address}:${delegate.endpoint.port}` }
      }
    })
    try {
      await node.bootstrap([net.nodes[0].endpoint])
      node.start()
      const before = delegate.exitStats()?.lookups ?? 0
      const body = Buffer.from('published by a node whose lookups run elsewhere')
      const published = await node.publish([{ path: 'note.txt', kind: 'file', size: body.length, open: async function * () { yield body } }])
      expect(delegate.exitStats()?.lookups).toBeGreaterThan(before)
      expect(node.tunnels.circuits().some(c => c.purpose === 'delegate')).toBe(true)
      // Announced well enough that another node finds and reads it.
      expect(await sha256Of(net.nodes[9].content.read(published.host, 'note.txt', undefined))).toBe(createHash('sha256').update(body).digest('hex'))
    } finally {
      await node.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the gateway reads a named site through a 3-hop circuit for a tornet-hops-3 SOCKS user, name lookup included (curl)', async () => {
    const node = net.nodes[12]
    const served = await serveGateway(node, { port: 0 })
    const directLookups: string[] = []
    const lookup = node.names.lookup.bind(node.names)
    node.names.lookup = async (name, opts) => { directLookups.push(name); return await lookup(name, opts) }
    try {
      const proxy = (user?: string): string => `socks5h://${user === undefined ? '' : `${user}:x@`}127.0.0.1:${served.gateway.address.port}`
      const curl = async (user?: string): Promise<string> =>
        (await promisify(execFile)('curl', ['-sS', '--max-time', '60', '-x', proxy(user), 'http://anonsite.tor-net/index.html'], { encoding: 'utf8' })).stdout
      expect(await curl('tornet-hops-3')).toBe(files.get('index.html')!.toString())
      expect(directLookups).toEqual([])
      const hops = hopsOf(node, 'tornet-hops-3')
      expect(hops.length).toBe(3)
      const exit = net.nodes.find(n => hex(n.contact.id) === hops[2])!
      expect(exit.exitStats()?.lookups).toBeGreaterThan(0)
      // Without a user name (tunnelHops 0): read directly, no circuit for it.
      node.names.lookup = async (name, opts) => { directLookups.push(name); return await lookup(name, opts) }
      // Pre-built circuits (no isolation tag) come and go in the background: count the others.
      const tagged = (): number => node.tunnels.circuits().filter(c => c.isolation !== undefined).length
      const circuitsBefore = tagged()
      expect(await curl()).toBe(files.get('index.html')!.toString())
      expect(tagged()).toBe(circuitsBefore)
    } finally {
      node.names.lookup = lookup
      await served.close()
    }
  })
})
