import { rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatCredit, ledgerCommand } from '../../../../src/cli/commands/ledger.js'
import { Cause } from '../../../../src/node/accounting/price.js'
import { encodePushReply, encodeRequest } from '../../../../src/node/services/radio/messages.js'
import { encodeRoutingMessage } from '../../../../src/node/wire/routing-messages.js'
import { createNode, loadConfig } from '../../../../src/node/index.js'
import { makeContext, nodeDataDir } from '../cli-test-kit.js'
import { expectUsageError } from './command-test-kit.js'

let dir: string
beforeEach(() => { dir = nodeDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

const debtor = 'aa'.repeat(32)
const creditor = 'bb'.repeat(32)

describe('tornet ledger', () => {
  it('refuses unknown options', async () => {
    await expectUsageError(ledgerCommand, ['--all'])
    await expectUsageError(ledgerCommand, ['x'])
  })

  it('shows balances, debtors, creditors and history by cause, as text and as JSON, offline', async () => {
    const node = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    try {
      node.accounting.ledger.charge(debtor, Cause.chunkSlice, 'sent', 3_000_000, 9_000_000)
      node.accounting.ledger.charge(creditor, Cause.chunkSlice, 'received', 2_000_000, 2_000_000)
      node.accounting.ledger.charge(creditor, Cause.kv, 'sent', 1500, 0)
    } finally { await node.stop() }

    const json = makeContext(dir)
    await ledgerCommand.run(['--json'], json)
    const report = JSON.parse(json.stdout.text())
    expect(report.totals).toMatchObject({ creditSent: 9_000_000, creditReceived: 2_000_000, peers: 2 })
    expect(report.debtors.map((p: { id: string, owed: number }) => [p.id, p.owed])).toEqual([[debtor, 9_000_000]])
    expect(report.creditors.map((p: { id: string, owed: number }) => [p.id, p.owed])).toEqual([[creditor, -2_000_000]])
    expect(report.byCause.find((c: { cause: string }) => c.cause === 'kv').bytesSent).toBe(1500)
    expect(report.history.map((h: { cause: string }) => h.cause).sort()).toEqual(['chunk-slice', 'kv'])

    const text = makeContext(dir)
    await ledgerCommand.run([], text)
    const out = text.stdout.text()
    expect(out).toContain('peers with books: 2')
    expect(out).toMatch(/debtors \(owe this node\):\n[^\n]*\n(?:[^\n]*\n)?aaaaaaaaaaaaaaaa[^\n]*9\.00 M cr/)
    expect(out).toMatch(/creditors \(this node owes\):\n[^\n]*\n(?:[^\n]*\n)?bbbbbbbbbbbbbbbb[^\n]*2\.00 M cr/)
    expect(out).toMatch(/^kv\s/m)
    expect(text.stderr.text()).toBe('')
  })

  it('shows credit for every cause the node prices, and the send address a peer told it', async () => {
    const node = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    try {
      const acc = node.accounting
      const find = encodeRoutingMessage({ type: 'find', request: { target: Buffer.alloc(32, 7), kind: 0, count: 20, wantKeys: true, known: [] } })
      acc.exchange(creditor, 'dht', 'asked', find, encodeRoutingMessage({ type: 'nodes', contacts: [] }))
      acc.exchange(creditor, 'kv', 'asked', Buffer.alloc(100), Buffer.alloc(400))
      acc.exchange(creditor, 'mail', 'answered', Buffer.alloc(3000), Buffer.alloc(1))
      acc.exchange(creditor, 'radio', 'answered', encodeRequest({ type: 'push', path: [Buffer.alloc(8, 1)], segment: Buffer.alloc(2000, 5) }), encodePushReply({ taken: true, price: 0, listeners: 1, relays: 0 }))
      acc.relayed(debtor, creditor, 1024)
      acc.received(creditor, Buffer.alloc(32, 1), 65_536)
      await acc.ledger.setSendAddress(creditor, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu')
    } finally { await node.stop() }
    const json = makeContext(dir)
    await ledgerCommand.run(['--json'], json)
    const report = JSON.parse(json.stdout.text())
    const by = (cause: string): { creditSent: number, creditReceived: number } => report.byCause.find((c: { cause: string }) => c.cause === cause)
    expect(by('lookup').creditReceived).toBe(4096)
    expect(by('kv').creditReceived).toBe(500)
    expect(by('mail-push').creditSent).toBe(3001)
    expect(by('radio-segment').creditReceived).toBe(2000 * 15)
    expect(by('tunnel-cell')).toMatchObject({ creditSent: 1024, creditReceived: 1024 })
    expect(by('chunk-slice').creditReceived).toBeGreaterThan(0)
    expect(new Set(report.history.map((h: { cause: string }) => h.cause))).toEqual(new Set(['lookup', 'kv', 'mail-push', 'radio-segment', 'tunnel-cell', 'chunk-slice']))
    const text = makeContext(dir)
    await ledgerCommand.run([], text)
    const out = text.stdout.text()
    for (const cause of ['lookup', 'kv', 'radio-segment', 'mail-push', 'tunnel-cell']) expect(out).toMatch(new RegExp(`^${cause}\\s+\\S+ k? ?cr`, 'm'))
    expect(out).toMatch(/bbbbbbbbbbbbbbbb[^\n]*bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu/)
  })

  it('formats credit in decimal steps', () => {
    expect(formatCredit(999)).toBe('999 cr')
    expect(formatCredit(12_500_000)).toBe('12.5 M cr')
    expect(formatCredit(-1_500)).toBe('-1.50 k cr')
  })
})
