import { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { CreditLines } from '../../../../src/node/accounting/credit-lines.js'
import { FairScheduler } from '../../../../src/node/accounting/fair-scheduler.js'
import { Ledger, ledgerDatabases } from '../../../../src/node/accounting/ledger/ledger.js'
import { Cause, chunkPrice } from '../../../../src/node/accounting/price.js'
import { PaidPulls } from '../../../../src/node/accounting/paid-pulls.js'
import { createSliceGate } from '../../../../src/node/accounting/slice-gate.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { type StreamFrame, decodeStreamFrame, encodeStreamFrame } from '../../../../src/node/services/chunks/messages.js'
import { FakePayments } from '../../../helpers/fake-payments.js'
import { ledgerEnv } from '../../accounting/fixtures/ledger-env.js'
import { fakeChunk } from './chunk-testnet.js'
import { memoryStore, serve } from './slice-server-kit.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

/** A ledger on a fresh LMDB environment, closed and removed after the test. */
function openLedger (): Ledger {
  const e = ledgerEnv()
  const ledger = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000 })
  cleanups.push(async () => { await ledger.close(); await e.close(); e.remove() })
  return ledger
}

describe('slice server with the accounting gate', () => {
  it('charges what it serves at its price, and answers SLICE_OWED with a payment URI past the credit line', async () => {
    const ledger = openLedger()
    const payments = new FakePayments()
    // Rank 1, factor 1e-6: a line of 100 credit units, used up by the first request.
    const credit = new CreditLines({ ledger, payments, factor: 1e-6, satsPerMB: 1000 })
    const scheduler = new FairScheduler({ capacity: 4, maxQueued: 16, weightOf: () => 1 })
    const selfId = Buffer.alloc(32, 0x11)
    const gate = createSliceGate({ selfId, ledger, credit, scheduler })
    const c = fakeChunk(2, 100_000)
    const requester = makeContact(Buffer.alloc(32, 0x22), { address: '127.0.0.1', port: 1 }, { rank: 1 })
    const s = serve(memoryStore([c]), { gate: gate.forPeer(requester) })
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 1 })
    await new Promise(resolve => setImmediate(resolve))
    const hex = requester.id.toString('hex')
    const price = chunkPrice(selfId, c.id, 65_536)
    expect(ledger.get(hex)?.byCause[Cause.chunkSlice]).toEqual({ creditSent: price, creditReceived: 0, bytesSent: 65_536, bytesReceived: 0 })
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 1, count: 1 })
    for (let i = 0; i < 50 && !s.ended(); i++) await new Promise(resolve => setTimeout(resolve, 10))
    const frames = s.frames()
    expect(frames.map(f => f.type)).toEqual(['slice', 'sliceOwed'])
    const owed = frames[1] as Extract<StreamFrame, { type: 'sliceOwed' }>
    expect(owed.owedCredit).toBe(price)
    expect(owed.sats).toBe(Math.ceil(price / 1e6 * 1000))
    expect(owed.uri).toMatch(/^bitcoin:bcrt1qfake\d+\?amount=/)
    expect(s.ended()).toBe(true)
    // Nothing more was charged for the refused request.
    expect(ledger.get(hex)?.creditSent).toBe(price)
    expect(scheduler.active).toBe(0)
  })

  it('a pull a paid place pays for moves bytes but no credit; other chunks are charged as ever', async () => {
    const ledger = openLedger()
    const credit = new CreditLines({ ledger, factor: 1, satsPerMB: 1 })
    const scheduler = new FairScheduler({ capacity: 4, maxQueued: 16, weightOf: () => 1 })
    const selfId = Buffer.alloc(32, 0x11)
    const pulls = new PaidPulls()
    const gate = createSliceGate({ selfId, ledger, credit, scheduler, paidPull: (hex, id) => pulls.covers(hex, id) })
    const host = makeContact(Buffer.alloc(32, 0x33), { address: '127.0.0.1', port: 1 }, { rank: 1 })
    const hex = host.id.toString('hex')
    const paid = Buffer.alloc(32, 0x44)
    const other = Buffer.alloc(32, 0x55)
    pulls.mark(hex, paid)
    const g = gate.forPeer(host)
    g.charge(paid, 65_536)
    expect(ledger.get(hex)?.byCause[Cause.chunkSlice]).toEqual({ creditSent: 0, creditReceived: 0, bytesSent: 65_536, bytesReceived: 0 })
    g.charge(other, 65_536)
    expect(ledger.get(hex)?.creditSent).toBe(chunkPrice(selfId, other, 65_536))
  })

  it('SLICE_OWED round-trips and refuses an oversized URI', () => {
    const f = { type: 'sliceOwed' as const, owedCredit: 2 ** 40, sats: 12345, uri: 'bitcoin:bc1qexample?amount=0.00012345' }
    expect(decodeStreamFrame(encodeStreamFrame(f).subarray(4))).toEqual(f)
    expect(() => encodeStreamFrame({ ...f, uri: 'x'.repeat(513) })).toThrow(RangeError)
  })
})

describe('slice gate turns', () => {
  it('a stream that stops reading gives its turn back after maxHoldMs, and the next in line goes', async () => {
    const ledger = openLedger()
    const credit = new CreditLines({ ledger, factor: 1, satsPerMB: 1 })
    const scheduler = new FairScheduler({ capacity: 1, maxQueued: 16, weightOf: () => 1 })
    const gate = createSliceGate({ selfId: Buffer.alloc(32, 1), ledger, credit, scheduler, maxHoldMs: 50 })
    const stuck = gate.forPeer(makeContact(Buffer.alloc(32, 2), { address: '127.0.0.1', port: 1 }, { rank: 5 }))
    const other = gate.forPeer(makeContact(Buffer.alloc(32, 3), { address: '127.0.0.1', port: 1 }, { rank: 5 }))
    expect(stuck.turn(65_536)).toBeUndefined() // idle: at once
    const waiting = other.turn(65_536)
    expect(waiting).toBeInstanceOf(Promise)
    const t = Date.now()
    await waiting
    expect(Date.now() - t).toBeGreaterThanOrEqual(40)
    stuck.done() // late: changes nothing
    expect(scheduler.active).toBe(1)
    other.done()
    expect(scheduler.active).toBe(0)
  })

  it('probes a requester that never gave anything, idle or busy; not one that gave', async () => {
    const ledger = openLedger()
    const scheduler = new FairScheduler({ capacity: 1, maxQueued: 16, weightOf: () => 1 })
    const probed: string[] = []
    const gate = createSliceGate({ selfId: Buffer.alloc(32, 1), ledger, credit: new CreditLines({ ledger, factor: 1, satsPerMB: 1 }), scheduler, probe: (peer) => { probed.push(peer.id.toString('hex')) } })
    const peerOf = (n: number): ReturnType<typeof makeContact> => makeContact(Buffer.alloc(32, n), { address: '127.0.0.1', port: 1 }, { rank: 5 })
    ledger.charge(Buffer.alloc(32, 4).toString('hex'), Cause.lookup, 'received', 0, 4096)
    expect(gate.forPeer(peerOf(2)).turn(1000)).toBeUndefined() // idle: served at once, and probed
    expect(gate.forPeer(peerOf(3)).turn(1000)).toBeInstanceOf(Promise)
    expect(gate.forPeer(peerOf(4)).turn(1000)).toBeInstanceOf(Promise) // it answered a lookup before
    expect(probed).toEqual([Buffer.alloc(32, 2).toString('hex'), Buffer.alloc(32, 3).toString('hex')])
  })

  it('a turn lasts until the link stream has sent the bytes, not until it buffered them', async () => {
    const ledger = openLedger()
    const scheduler = new FairScheduler({ capacity: 1, maxQueued: 16, weightOf: () => 1 })
    const gate = createSliceGate({ selfId: Buffer.alloc(32, 1), ledger, credit: new CreditLines({ ledger, factor: 1, satsPerMB: 1 }), scheduler, maxHoldMs: 10_000 })
    // A link stream's send buffer takes 4 MiB at once; its stats say what is still unsent.
    let unsent = 200_000
    const link = new Duplex({ read () {}, write (_c, _e, cb) { cb() } })
    Object.defineProperty(link, 'stats', { get: () => ({ sendBuffered: unsent }) })
    const peerGate = gate.forPeer(makeContact(Buffer.alloc(32, 2), { address: '127.0.0.1', port: 1 }, { rank: 5 }), link)
    expect(peerGate.turn(131_072)).toBeUndefined()
    peerGate.done()
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(scheduler.active).toBe(1) // 200 KB still unsent: the turn goes on
    unsent = 10_000
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(scheduler.active).toBe(0)
    link.destroy()
  })
})
