import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import { killAndWait, spawnUntil } from '../store/fixtures/helpers.js'
import { transpileForChild } from '../store/fixtures/transpile.js'
import { ledgerEnv } from './fixtures/ledger-env.js'

const K = 997 // entries per batch

let build: string
beforeAll(() => { build = transpileForChild('src/node/accounting/ledger/ledger.ts') })
afterAll(() => { rmSync(build, { recursive: true, force: true }) })

async function until (pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !pred(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  if (!pred()) throw new Error(`timed out waiting for ${what}`)
}

/** The books on disk, read by a fresh Ledger: sequence number, credit and bytes in all. */
async function onDisk (dir: string): Promise<{ seq: number, batches: number, credit: number, bytes: number, paidSats: number, restored: number, outputs: number }> {
  const e = ledgerEnv(dir)
  const l = new Ledger(ledgerDatabases(e.open), { flushMs: 3_600_000 })
  try {
    let credit = 0
    let bytes = 0
    let paidSats = 0
    let restored = 0
    for (const p of l.list()) {
      credit += p.creditSent + p.creditReceived; bytes += p.bytesSent + p.bytesReceived
      paidSats += p.paidSats; restored += p.restoredCredit
    }
    // Every 1-sat payment is one distinct output recorded as credited: their count is what was paid.
    // The sequence numbers count charge batches and credited payments alike (one transaction each).
    const outputs = paymentsOf(e)
    return { seq: l.sequence, batches: l.sequence - outputs, credit, bytes, paidSats, restored, outputs }
  } finally { await l.close(); await e.close() }
}

/** Outputs recorded as credited (each payment is its own transaction in the ledger's sequence). */
function paymentsOf (e: ReturnType<typeof ledgerEnv>): number {
  return e.open('ledger-paid').getKeysCount()
}

describe('ledger crash safety', () => {
  it('a writer SIGKILLed mid-update never loses an acknowledged charge and never doubles one', async () => {
    const e = ledgerEnv()
    await e.close()
    const dir = e.dir
    try {
      let lastAcked = 0
      for (let round = 0; round < 4; round++) {
        // The child reopens at the sequence number found on disk after the last crash.
        const { child, lines } = await spawnUntil(join(import.meta.dirname, 'fixtures/ledger-crash-writer.mjs'), [build, dir, String(K)], 'ready')
        expect(lines[0]).toBe(`open ${lastAcked}`)
        const acks = (): number[] => lines.filter(l => l.startsWith('ack ')).map(l => Number(l.slice(4)))
        try {
          // Kill at a different point each round: after some batches, with the next one in flight.
          const want = 5 + round * 7
          await until(() => acks().length >= want, `${want} acknowledged batches`)
          await killAndWait(child, 'SIGKILL')
        } finally { await killAndWait(child) }
        const acked = Math.max(...acks())
        const disk = await onDisk(dir)
        // Everything acknowledged is there; at most the payment and the batch in flight went further.
        expect(disk.seq).toBeGreaterThanOrEqual(acked)
        expect(disk.seq).toBeLessThanOrEqual(acked + 2)
        // Whole batches only, each exactly once: K entries of 1 credit and 100 bytes each.
        expect(disk.credit).toBe(disk.batches * K)
        expect(disk.bytes).toBe(disk.batches * K * 100)
        // Each payment credited exactly once, though every restart reported all of them again.
        expect(disk.outputs).toBeGreaterThan(0)
        expect(disk.paidSats).toBe(disk.outputs)
        expect(disk.restored).toBe(disk.outputs)
        lastAcked = disk.seq
      }
    } finally { rmSync(dir, { recursive: true, force: true }) }
  }, 60_000)
})
