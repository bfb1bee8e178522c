import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatCredit, ledgerCommand } from '../../../../src/cli/commands/ledger.js'
import { Cause } from '../../../../src/node/accounting/price.js'
import { createNode, generateIdentity, loadConfig, saveIdentity } from '../../../../src/node/index.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectUsageError } from './command-test-kit.js'

let dir: string
beforeEach(() => {
  dir = tempDataDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 0 } }))
  saveIdentity(dir, generateIdentity())
})
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

  it('formats credit in decimal steps', () => {
    expect(formatCredit(999)).toBe('999 cr')
    expect(formatCredit(12_500_000)).toBe('12.5 M cr')
    expect(formatCredit(-1_500)).toBe('-1.50 k cr')
  })
})
