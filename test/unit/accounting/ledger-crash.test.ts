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
async function onDisk (dir: string): Promise<{ seq: number, credit: number, bytes: number }> {
  const e = ledgerEnv(dir)
  const l = new Ledger(ledgerDatabases(e.open), { flushMs: 3_600_000 })
  try {
    let credit = 0
    let bytes = 0
    for (const p of l.list()) { credit += p.creditSent + p.creditReceived; bytes += p.bytesSent + p.bytesReceived }
    return { seq: l.sequence, credit, bytes }
  } finally { await l.close(); await e.close() }
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
        const { child, lines } = await spawnUntil(join(import.meta.dirname, 'fixtures/ledger-crash-writer.mjs'), [build, dir, String(K)], `ready ${lastAcked}`)
        const acks = (): number[] => lines.filter(l => l.startsWith('ack ')).map(l => Number(l.slice(4)))
        try {
          // Kill at a different point each round: after some batches, with the next one in flight.
          const want = 5 + round * 7
          await until(() => acks().length >= want, `${want} acknowledged batches`)
          await killAndWait(child, 'SIGKILL')
        } finally { await killAndWait(child) }
        const acked = Math.max(...acks())
        const disk = await onDisk(dir)
        // Everything acknowledged is there; at most the batch in flight went further.
        expect(disk.seq).toBeGreaterThanOrEqual(acked)
        expect(disk.seq).toBeLessThanOrEqual(acked + 1)
        // Whole batches only, each exactly once: seq × K entries of 1 credit and 100 bytes.
        expect(disk.credit).toBe(disk.seq * K)
        expect(disk.bytes).toBe(disk.seq * K * 100)
        lastAcked = disk.seq
      }
    } finally { rmSync(dir, { recursive: true, force: true }) }
  }, 60_000)
})
