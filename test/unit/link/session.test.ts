import { afterEach, describe, expect, test } from 'vitest'
import type { Link } from '../../../src/node/link/link.js'
import type { Session } from '../../../src/node/link/session.js'
import type { LinkLogLevel } from '../../../src/node/link/types.js'
import { encodeFrames, FrameType } from '../../../src/node/wire/channel-frames.js'
import { memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
const settle = async (ms = 20): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function onlySession (link: Link): Session {
  const all = [...(link as unknown as { byIndex: Map<number, Session> }).byIndex.values()]
  expect(all.length).toBe(1)
  return all[0]
}

/** Seals `plain` with the session's real send key and sends it to the peer (what a buggy or hostile peer can do). */
function sendSealed (s: Session, plain: Buffer): void {
  (s as unknown as { transmitPlain: (p: Buffer, kind: string) => void }).transmitPlain(plain, 'link')
}

describe('authenticated but malformed plaintexts', () => {
  test('too-short or malformed plaintexts are dropped and counted, never thrown or logged, and the session stays open', async () => {
    const t = net = memoryTestnet(0)
    const logs: Array<{ level: LinkLogLevel, message: string }> = []
    const a = await t.add()
    const b = await t.add({ log: (level, message) => { logs.push({ level, message }) } })
    b.link.registerService('echo', echo)
    expect((await a.link.request(b.contact, 'echo', Buffer.from('x'))).toString()).toBe('x')
    const sa = onlySession(a.link)
    const sb = onlySession(b.link)
    const bad: Buffer[] = []
    // Every frame type alone (its fields missing), a few truncated after one field byte, an unknown type.
    for (const type of Object.values(FrameType)) {
      if (type === FrameType.PADDING) continue
      bad.push(Buffer.from([type]), Buffer.from([type, 1]), Buffer.from([type, 1, 0, 0]))
    }
    bad.push(Buffer.from([0xff]), Buffer.from([FrameType.PADDING, 1]))
    for (const p of bad) sendSealed(sa, p)
    await settle()
    expect(logs.filter(l => l.level === 'warn')).toEqual([])
    expect(b.link.stats.dropped['internal-error']).toBeUndefined()
    expect(b.link.stats.dropped['bad-frames']).toBe(bad.length)
    expect(sb.state).toBe('open')
    expect((await a.link.request(b.contact, 'echo', Buffer.from('still'))).toString()).toBe('still')
    expect(onlySession(b.link)).toBe(sb)
  })

  test('well-formed frames naming unknown requests, channels and pings are ignored without a throw', async () => {
    const t = net = memoryTestnet(0)
    const logs: string[] = []
    const a = await t.add()
    const b = await t.add({ log: (level, message) => { if (level === 'warn') logs.push(message) } })
    b.link.registerService('echo', echo)
    await a.link.request(b.contact, 'echo', Buffer.from('x'))
    const sa = onlySession(a.link)
    const d = Buffer.alloc(3)
    sendSealed(sa, encodeFrames([
      { type: FrameType.RESPONSE, reqId: 999, fragIndex: 1, fragCount: 3, data: d },
      { type: FrameType.ERROR, reqId: 999, code: 'X', text: '' },
      { type: FrameType.STREAM_DATA, channel: 12345, data: d },
      { type: FrameType.STREAM_ACCEPT, channel: 77 },
      { type: FrameType.STREAM_RESET, channel: 78, code: 'X', text: 'y' },
      { type: FrameType.REQUEST, reqId: 5, fragIndex: 2, fragCount: 3, service: 'nope', data: d },
      { type: FrameType.DATAGRAM, service: 'nope', data: d },
      { type: FrameType.PONG, id: 4242 }
    ]))
    await settle()
    expect(logs).toEqual([])
    expect(b.link.stats.dropped['internal-error']).toBeUndefined()
    expect(onlySession(b.link).state).toBe('open')
    expect((await a.link.request(b.contact, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
  })
})
