import { expect, test } from 'vitest'
import type { Transport } from '../../../src/node/transport/transport.js'
import type { Endpoint } from '../../../src/node/types.js'

/**
 * What every Transport must do, run against each implementation (memory,
 * UDP). `make` returns two connected transports and how to dispose of them.
 * Not required (and not true of UDP): that the sender may modify a buffer
 * right after `send`; the link never does.
 */
export interface TransportPair { a: Transport, b: Transport, close: () => Promise<void> }

export function transportCompliance (make: () => Promise<TransportPair>): void {
  async function withPair (fn: (p: TransportPair) => Promise<void>): Promise<void> {
    const p = await make()
    try { await fn(p) } finally { await p.close() }
  }

  function receiveN (t: Transport, n: number): Promise<Array<{ data: Buffer, from: Endpoint }>> {
    const got: Array<{ data: Buffer, from: Endpoint }> = []
    return new Promise((resolve) => {
      t.onDatagram((data, from) => { got.push({ data: Buffer.from(data), from }); if (got.length === n) resolve(got) })
    })
  }

  test('delivers a datagram intact and reports the sender endpoint', async () => {
    await withPair(async ({ a, b }) => {
      const got = receiveN(b, 1)
      const msg = Buffer.from([0, 1, 2, 255, 254])
      a.send(msg, b.local)
      const [{ data, from }] = await got
      expect(data).toEqual(msg)
      expect(from.port).toBe(a.local.port)
    })
  })

  test('the reported sender endpoint can be answered', async () => {
    await withPair(async ({ a, b }) => {
      b.onDatagram((data, from) => b.send(Buffer.concat([Buffer.from('re:'), data]), from))
      const got = receiveN(a, 1)
      a.send(Buffer.from('ping'), b.local)
      expect((await got)[0].data.toString()).toBe('re:ping')
    })
  })

  test('carries datagrams from 1 to 8192 bytes, and many of them', async () => {
    await withPair(async ({ a, b }) => {
      const sizes = [1, 100, 1200, 1500, 8192]
      const got = receiveN(b, sizes.length * 20)
      for (let i = 0; i < 20; i++) for (const s of sizes) a.send(Buffer.alloc(s, i), b.local)
      const all = await got
      expect(all.map(x => x.data.length).sort((x, y) => x - y)).toEqual(sizes.flatMap(s => Array(20).fill(s)).sort((x, y) => x - y))
    })
  })

  test('a datagram given in pieces arrives as one, their concatenation', async () => {
    await withPair(async ({ a, b }) => {
      const got = receiveN(b, 2)
      const pieces = [Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.alloc(8000, 7), new Uint8Array([9])]
      a.send(pieces, b.local)
      a.send([Buffer.from('one piece')], b.local)
      const all = await got
      const joined = Buffer.concat(pieces)
      expect(all.map(x => x.data.length).sort((x, y) => x - y)).toEqual([9, joined.length])
      expect(all.find(x => x.data.length === joined.length)?.data).toEqual(joined)
      expect(all.find(x => x.data.length === 9)?.data.toString()).toBe('one piece')
    })
  })

  test('sending to an endpoint nobody listens on does not throw', async () => {
    await withPair(async ({ a, b }) => {
      const unused = { address: b.local.address, port: b.local.port === 65000 ? 65001 : 65000 }
      expect(() => a.send(Buffer.from('x'), unused)).not.toThrow()
      expect(() => a.send(Buffer.from('x'), { address: 'not an address', port: 1 })).not.toThrow()
      const got = receiveN(b, 1)
      a.send(Buffer.from('after'), b.local)
      expect((await got)[0].data.toString()).toBe('after')
    })
  })

  test('a throwing handler does not stop delivery', async () => {
    await withPair(async ({ a, b }) => {
      let n = 0
      const done = new Promise<void>((resolve) => {
        b.onDatagram(() => { n++; if (n === 2) resolve(); throw new Error('handler bug') })
      })
      a.send(Buffer.from('1'), b.local)
      await new Promise(resolve => setTimeout(resolve, 20))
      a.send(Buffer.from('2'), b.local)
      await done
      expect(n).toBe(2)
    })
  })

  test('after close nothing is delivered and send is a no-op', async () => {
    await withPair(async ({ a, b }) => {
      let n = 0
      b.onDatagram(() => { n++ })
      await b.close()
      a.send(Buffer.from('x'), b.local)
      await a.close()
      expect(() => a.send(Buffer.from('x'), b.local)).not.toThrow()
      await new Promise(resolve => setTimeout(resolve, 30))
      expect(n).toBe(0)
    })
  })
}
