import { duplexPair } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { EarlyStream, MAX_PENDING_BYTES } from '../../../../src/gateway/apps/hidden/early-stream.js'

describe('EarlyStream', () => {
  it('hands over what was written in its first turn as early data; later writes follow in order; answers flow back', async () => {
    const [near, far] = duplexPair()
    let early: Buffer | undefined
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const s = new EarlyStream(async (e) => { early = await e; await gate; return near }, () => {})
    s.write('GET / HTTP/1.1\r\n')
    s.write('\r\n')
    await new Promise(resolve => setImmediate(resolve))
    await new Promise(resolve => setImmediate(resolve))
    expect(early?.toString()).toBe('GET / HTTP/1.1\r\n\r\n')
    // Written while the connect is under way: kept, then sent first once the stream is there.
    s.write('tail-1;')
    const got: Buffer[] = []
    far.on('data', (c: Buffer) => got.push(c))
    release()
    await new Promise(resolve => setTimeout(resolve, 10))
    s.write('tail-2;')
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(Buffer.concat(got).toString()).toBe('tail-1;tail-2;')
    const answer = new Promise<string>(resolve => s.once('data', (c: Buffer) => resolve(c.toString())))
    far.write('HTTP/1.1 200 OK\r\n')
    expect(await answer).toBe('HTTP/1.1 200 OK\r\n')
    s.destroy()
  })

  it('a failed connect destroys it with that error, which the caller is told of', async () => {
    const err = new Error('no descriptor')
    const told: Error[] = []
    const s = new EarlyStream(async () => { throw err }, (e) => { told.push(e) })
    const seen = await new Promise<unknown>(resolve => s.once('error', resolve))
    expect(seen).toBe(err)
    expect(told).toEqual([err])
  })

  it('holds the writer back past MAX_PENDING_BYTES while the connect is under way', async () => {
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const [near, far] = duplexPair()
    far.resume()
    const s = new EarlyStream(async (e) => { await e; await gate; return near }, () => {})
    await new Promise(resolve => setImmediate(resolve))
    let done = 0
    s.write(Buffer.alloc(MAX_PENDING_BYTES + 1), () => { done++ })
    s.write(Buffer.alloc(10), () => { done++ })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(done).toBe(0)
    release()
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(done).toBe(2)
    s.destroy()
  })
})
