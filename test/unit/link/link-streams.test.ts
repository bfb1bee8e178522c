import { createHash } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, test } from 'vitest'
import type { LinkStream } from '../../../src/node/link/types.js'
import { memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

/** Reads to the end. Closing the link later destroys a stream still finishing its FIN exchange; that error is expected. */
async function readAll (s: Duplex): Promise<Buffer> {
  s.on('error', () => {})
  const parts: Buffer[] = []
  for await (const c of s) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

function pattern (n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24 }
  return b
}

/** A service that sends back what it reads, then ends. */
function echoStreams (): { onStream: (p: unknown, s: LinkStream) => void } {
  return { onStream: (_p, s) => { s.on('error', () => {}); s.pipe(s) } }
}

describe('streams over a link', () => {
  test('a stream carries bytes both ways and ends cleanly (both handshake paths)', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echoStreams())
    for (const to of [b.contact, b.endpointOnly]) {
      const s = await a.link.openStream(to, 'echo')
      const data = pattern(300_000, 1)
      const got = readAll(s)
      s.end(data)
      expect((await got).equals(data)).toBe(true)
    }
  })

  test('opening a stream to an unknown service is refused with LINK_UNKNOWN_SERVICE', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echoStreams())
    await expect(a.link.openStream(b.contact, 'nope')).rejects.toMatchObject({ code: 'LINK_UNKNOWN_SERVICE' })
    const s = await a.link.openStream(b.contact, 'echo')
    s.end(Buffer.from('still works'))
    expect((await readAll(s)).toString()).toBe('still works')
  })

  test('many concurrent streams in both directions', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    a.link.registerService('echo', echoStreams())
    b.link.registerService('echo', echoStreams())
    const jobs = Array.from({ length: 16 }, async (_, i) => {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a]
      const s = await from.link.openStream(to.contact, 'echo')
      const data = pattern(50_000 + i, i)
      const got = readAll(s)
      s.end(data)
      expect((await got).equals(data)).toBe(true)
    })
    await Promise.all(jobs)
  })

  test('a 4 MiB stream survives 5% loss, duplication and reordering', async () => {
    const t = net = memoryTestnet(2, { network: { seed: 11, lossRate: 0.05, duplicateRate: 0.02, latencyMs: 1, jitterMs: 2 } })
    const [a, b] = t.nodes
    const digest = new Promise<string>((resolve, reject) => {
      b.link.registerService('sink', {
        onStream: (_p, s) => {
          const h = createHash('sha256')
          s.on('data', (c: Buffer) => h.update(c))
          s.on('end', () => { resolve(h.digest('hex')); s.end() })
          s.on('error', reject)
        }
      })
    })
    const data = pattern(4 * 1024 * 1024, 3)
    const s = await a.link.openStream(b.contact, 'sink')
    s.on('error', () => {})
    s.end(data)
    expect(await digest).toBe(createHash('sha256').update(data).digest('hex'))
  })

  test('closing the link destroys open streams on both sides with a link error', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    const remote = new Promise<Error | undefined>((resolve) => {
      b.link.registerService('hold', { onStream: (_p, s) => { s.on('error', resolve); s.on('close', () => resolve(undefined)); s.resume() } })
    })
    const s = await a.link.openStream(b.contact, 'hold')
    s.write('x')
    const local = new Promise<Error>((resolve) => s.on('error', resolve))
    await a.link.close()
    expect(await local).toMatchObject({ code: 'LINK_CLOSED' })
    expect(await remote).toMatchObject({ code: 'LINK_CLOSED' })
  })
})
