import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import { saveIdentity } from '../../src/node/identity/identity-file.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { capture } from '../unit/cli/cli-test-kit.js'

/**
 * `tornet mail new|send|check|list|read` end to end: five real UDP nodes on 127.0.0.1 host
 * the mailboxes, and two CLI data directories (alice, bob) each run every command on their own
 * short-lived node, as a user at a shell would: neither is online when the other acts.
 */
const DIFFICULTY = 6

interface Run { code: number, out: string, err: string }

describe('tornet mail commands against a 5-node network', () => {
  let net: Testnet
  let work: string
  const homes: Record<string, string> = {}

  function home (seed: { address: string, port: number }, me: Identity): string {
    const dir = mkdtempSync(join(tmpdir(), 'tornet-mail-cli-'))
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      listen: { host: '127.0.0.1', port: 9151 },
      bootstrap: [`${seed.address}:${seed.port}`],
      minRank: 0,
      names: { difficulty: DIFFICULTY },
      mail: { difficulty: DIFFICULTY },
      allowPrivateEndpoints: true
    }))
    saveIdentity(dir, me)
    return dir
  }

  async function tornet (who: string, ...args: string[]): Promise<Run> {
    const stdout = capture()
    const stderr = capture()
    const code = await runCli([...args, '--data-dir', homes[who]], { stdout, stderr, env: {} })
    if (process.env.CLI_TEST_SHOW === '1') console.log(`${who}$ tornet ${args.join(' ')} → ${code}\n${stdout.text()}--- stderr:\n${stderr.text()}`)
    return { code, out: stdout.text(), err: stderr.text() }
  }

  function expectOk (r: Run): void {
    expect(r.code, `exit ${r.code}\nstdout:\n${r.out}\nstderr:\n${r.err}`).toBe(0)
  }

  beforeAll(async () => {
    net = await createTestnet(5, { config: { names: { difficulty: DIFFICULTY }, mail: { difficulty: DIFFICULTY } }, nameDifficulty: DIFFICULTY })
    work = mkdtempSync(join(tmpdir(), 'tornet-mail-cli-work-'))
    // Nodes cache chunks on request only for peers of at least their own rank (cache-admission.ts).
    const top = Math.max(...net.nodes.map(n => n.identity.rank))
    for (const [i, who] of ['alice', 'bob'].entries()) {
      let me: Identity
      do me = generateIdentity(); while (me.rank < top)
      homes[who] = home(net.nodes[i + 1].endpoint, me)
    }
  }, 60_000)

  afterAll(async () => {
    await net?.close()
    for (const d of [...Object.values(homes), work]) if (d !== undefined) rmSync(d, { recursive: true, force: true })
  })

  it('new, send with an attachment, check, list, read --save, and the receipt makes it delivered', async () => {
    expect((await tornet('alice', 'mail', 'list')).code).not.toBe(0) // no mailbox yet: says so
    const a = await tornet('alice', 'mail', 'new')
    expectOk(a)
    expect(a.out).toMatch(/^address {2}[a-z2-7]{52}@tor-net\nid {7}[0-9a-f]{64}\n$/)
    const b = await tornet('bob', 'mail', 'new', '--name', 'bob')
    expectOk(b)
    expect(b.out).toContain('name     bob@tor-net\n')

    const file = join(work, 'report.bin')
    const bytes = randomBytes(300_000)
    writeFileSync(file, bytes)
    const sent = await tornet('alice', 'mail', 'send', '--to', 'bob@tor-net', '--subject', 'Quarterly report', '--body', 'Numbers attached.', '--attach', file)
    expectOk(sent)
    expect(sent.out).toMatch(/state {4}pending\n/)
    const sentId = /^sent {5}([0-9a-f]+)$/m.exec(sent.out)?.[1]
    expect(sentId).toBeDefined()

    const check = await tornet('bob', 'mail', 'check')
    expectOk(check)
    expect(check.out).toMatch(/^1 new message/)
    const list = await tornet('bob', 'mail', 'list')
    expectOk(list)
    expect(list.err).toContain('inbox: 1 message, 1 unread')
    const row = list.out.split('\n')[1]
    expect(row).toContain('Quarterly report')
    const id = row.split(/\s+/)[0]
    const save = join(work, 'saved')
    const read = await tornet('bob', 'mail', 'read', id, '--save', save)
    expectOk(read)
    expect(read.out).toContain('Subject:  Quarterly report\n')
    expect(read.out).toContain('Numbers attached.')
    expect(readFileSync(join(save, 'report.bin')).equals(bytes)).toBe(true)
    expect((await tornet('bob', 'mail', 'list')).err).toContain('1 message, 0 unread')

    const receipt = await tornet('alice', 'mail', 'check')
    expectOk(receipt)
    expect(receipt.out).toMatch(/1 receipt/)
    const sentList = await tornet('alice', 'mail', 'list', '--folder', 'sent')
    expectOk(sentList)
    expect(sentList.out).toMatch(new RegExp(`${sentId ?? 'none'} .*bob@tor-net +Quarterly report +delivered`))
  }, 240_000)
})
