import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../../../src/cli/run-cli.js'
import { PINS_FILE } from '../../../../src/resolvers/namecoin/certificate-pins.js'
import type { ElectrumxChain } from '../../../helpers/electrumx-server.js'
import { provenWorld } from '../../../fixtures/namecoin/spv/proven-names.js'
import { startElectrumxTlsServer, type ElectrumxTlsServer } from '../../../helpers/electrumx-tls.js'

// A real Namecoin transaction (namecoin.org, "Atomic Name Trading"; see test/fixtures/namecoin/README.md).
const trade = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))
const TIP = 750_000
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function capture (): { write: (s: string) => void, text: () => string } {
  let out = ''
  return { write: (s: string) => { out += s }, text: () => out }
}

// The constructed test chain (proven-names.ts) the default SPV verifier proves answers against;
// d/my-cool-domain's real value is not JSON: the resolver must say the record is unusable.
const world = provenWorld({
  tip: TIP,
  txs: [
    { name: 'd/my-cool-domain', hex: trade.signed.hex, txid: trade.signed.txid, height: TIP - 10 },
    { name: 'd/site', value: '{"ip":"192.0.2.5"}', height: TIP - 20 }
  ]
})

async function resolveCli (dataDir: string, args: string[]): Promise<{ code: number, out: string, err: string }> {
  const stdout = capture()
  const stderr = capture()
  const code = await runCli(['--data-dir', dataDir, 'resolve', ...args], { stdout, stderr, env: {}, namecoinChain: world.params })
  return { code, out: stdout.text(), err: stderr.text() }
}

async function setup (chain: ElectrumxChain = world.chain): Promise<{ dir: string, server: ElectrumxTlsServer }> {
  const server = await startElectrumxTlsServer(chain)
  cleanups.push(server.close)
  const dir = mkdtempSync(join(tmpdir(), 'tornet-resolve-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ namecoin: { electrumx: { servers: [server.spec] } } }))
  return { dir, server }
}

describe('tornet resolve', () => {
  it('a proven answer: proof "verified" with what was checked; the first run shows the header sync, the next resumes it', async () => {
    const { dir } = await setup()
    const first = await resolveCli(dir, ['site.bit', '--json'])
    expect(first.code).toBe(0)
    const report = JSON.parse(first.out)
    expect(report).toMatchObject({ ok: true, name: 'd/site', height: TIP - 20, proof: { status: 'verified' }, target: { addresses: ['192.0.2.5'] } })
    expect(report.proof.detail).toMatch(/Merkle branch.*checkpoint.*verified tip 750,000/)
    expect(first.err).toContain(`Namecoin headers verified up to block 750,000`)
    const text = await resolveCli(dir, ['site.bit'])
    expect(text.out).toMatch(/proof {6}verified: transaction [0-9a-f]{64} is in block 749980 /)
    // Headers were kept in the data directory: nothing new to verify, so no sync line.
    expect(text.err).not.toContain('Namecoin headers')
  })

  it('an answer that fails its proof: --json names the failed proof', async () => {
    const lying: ElectrumxChain = { ...world.chain, merkles: new Map([...world.chain.merkles!].map(([k, v]) => [k, { ...v, merkle: v.merkle.map(h => h.replace(/^./, c => c === '0' ? '1' : '0')) }])) }
    const { dir } = await setup(lying)
    const r = await resolveCli(dir, ['site.bit', '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'NAMECOIN_PROOF_MERKLE' }, proof: { status: 'failed', failedProof: 'NAMECOIN_PROOF_MERKLE' } })
  })

  it('--json reports resolver, backend, servers tried, proof status, and the error for an unusable record; pins the certificate', async () => {
    const { dir, server } = await setup()
    const r = await resolveCli(dir, ['my-cool-domain.bit', '--json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.out)
    expect(report).toMatchObject({ host: 'my-cool-domain.bit', resolver: 'namecoin', backend: 'electrumx', ok: false, error: { code: 'RESOLVE_INVALID_RECORD' } })
    expect(report.serversTried).toEqual([{ label: server.spec, outcome: expect.stringMatching(/block 749990 .*, verified$/) }])
    expect(report.backendStatus).toMatchObject({ proof: 'verified', verifiedTip: { height: TIP }, servers: [{ label: server.spec, state: 'warm', tip: TIP }] })
    expect(JSON.parse(readFileSync(join(dir, PINS_FILE), 'utf8'))[`127.0.0.1:${server.port}`]).toBe(server.cert.fingerprint256)
  })

  it('a rotated certificate: RESOLVE_CERT_CHANGED, and --forget-pin lets the new one in', async () => {
    const { dir, server } = await setup()
    await resolveCli(dir, ['my-cool-domain.bit'])
    server.rotate()
    const refused = await resolveCli(dir, ['my-cool-domain.bit'])
    expect(refused.out).toMatch(/error {6}RESOLVE_CERT_CHANGED: .*--forget-pin 127\.0\.0\.1:\d+/)
    expect((await resolveCli(dir, ['--forget-pin', `127.0.0.1:${server.port}`])).code).toBe(0)
    expect((await resolveCli(dir, ['my-cool-domain.bit'])).out).toMatch(/RESOLVE_INVALID_RECORD/)
  })

  it('no reachable server: says so, naming each server, exit code 1', async () => {
    const { dir, server } = await setup()
    await server.close()
    const r = await resolveCli(dir, ['example.bit'])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/None of the 1 ElectrumX servers for Namecoin is reachable/)
  })

  it('--refresh-servers saves the TLS peers a server names; a server that names none leaves the list alone', async () => {
    const { dir, server } = await setup()
    const chain: ElectrumxChain = { ...world.chain, peers: [['192.0.2.10', 'nmc1.example.org', ['v1.4', 's50002', 't50001']], ['192.0.2.11', 'x.onion', ['s50002']]] }
    const withPeers = await startElectrumxTlsServer(chain)
    cleanups.push(withPeers.close)
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ namecoin: { electrumx: { servers: [withPeers.spec] } } }))
    const r = await resolveCli(dir, ['--refresh-servers'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/named 1 TLS server\(s\), 1 new; \d+ saved to .*namecoin-servers\.json/)
    const saved = readFileSync(join(dir, 'namecoin-servers.json'), 'utf8')
    expect(JSON.parse(saved).servers).toContain('nmc1.example.org:50002:s')
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ namecoin: { electrumx: { servers: [server.spec] } } }))
    const none = await resolveCli(dir, ['--refresh-servers'])
    expect(none.code).toBe(1)
    expect(none.out).toMatch(/named no usable TLS server; the server list was left as it was/)
    expect(readFileSync(join(dir, 'namecoin-servers.json'), 'utf8')).toBe(saved)
  })
})
