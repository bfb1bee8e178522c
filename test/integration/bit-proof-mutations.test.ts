/**
 * Mutation tests end to end: one bit flipped in what the ElectrumX server
 * sends — a block header, the Merkle branch, the AuxPoW, the name script —
 * and the default .bit path (SPV verifier plugged in) refuses the answer
 * with the code of the proof that failed; through the gateway, a 502 page
 * naming that proof. The chain is the constructed easy-difficulty test
 * chain (test/fixtures/namecoin/spv/synthetic-chain.ts) whose AuxPoW is
 * built as namecoin-core's CAuxPow::createAuxPow does; the real mainnet
 * AuxPoW headers (real-headers.json) are not consecutive and cannot form a
 * chain from a checkpoint, so their one-bit flips are tested at the header
 * level (test/unit/resolvers/namecoin/spv/header-verify.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway } from '../../src/gateway/index.js'
import { isTornetError } from '../../src/node/errors.js'
import { NamecoinResolver, NAMECOIN_PROOF_ERRORS, namecoinConfigWithDefaults } from '../../src/resolvers/namecoin/index.js'
import { ResolverChain } from '../../src/resolvers/resolver-chain.js'
import { TorNetResolver } from '../../src/resolvers/tor-net-resolver.js'
import { buildNameTx } from '../fixtures/namecoin/name-tx-builder.js'
import { flipBit, provenWorld, type ProvenWorld } from '../fixtures/namecoin/spv/proven-names.js'
import { startElectrumxServer, type ElectrumxChain } from '../helpers/electrumx-server.js'
import { FakeSiteContent } from '../helpers/fake-site-content.js'
import { proxyGet } from '../unit/gateway/clients.js'

const TIP = 6100
const SITE_HEIGHT = 6090
const VALUE = '{"ip":"192.0.2.44"}'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

function world (): ProvenWorld {
  return provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: VALUE, height: SITE_HEIGHT }] })
}

async function resolverOn (w: ProvenWorld, chain: ElectrumxChain): Promise<NamecoinResolver> {
  const server = await startElectrumxServer(chain)
  cleanups.push(server.close)
  const dataDir = mkdtempSync(join(tmpdir(), 'tornet-bit-mutation-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const r = NamecoinResolver.fromConfig(namecoinConfigWithDefaults({ electrumx: { servers: [server.spec] }, cacheTtlMs: 0, timeoutMs: 2000 }), {},
    { dataDir, chainParams: w.params })
  cleanups.push(async () => { await r.close() })
  return r
}

async function codeOf (p: Promise<unknown>): Promise<string> {
  try { await p } catch (err) { if (isTornetError(err)) return err.code; throw err }
  return 'resolved'
}

/** The server's chain with the header at `height` replaced by `mutate(full header bytes)`. */
function withHeader (w: ProvenWorld, height: number, mutate: (b: Buffer) => Buffer): ElectrumxChain {
  const headers = new Map(w.chain.headers)
  headers.set(height, mutate(headers.get(height) as Buffer))
  return { ...w.chain, headers }
}

// Byte offsets in the 80-byte header: version 0, prev hash 4, Merkle root 36, time 68, bits 72, nonce 76.
// The AuxPoW starts at 80 with the parent coinbase (version 4 bytes, input count, prevout 36, script length, script).
const HEADER_FLIPS: Array<{ what: string, byte: number, bit?: number, code: string }> = [
  { what: 'version (chain id)', byte: 2, code: NAMECOIN_PROOF_ERRORS.auxpow },
  { what: 'previous block hash', byte: 4, code: NAMECOIN_PROOF_ERRORS.headerLink },
  { what: 'Merkle root', byte: 40, code: NAMECOIN_PROOF_ERRORS.auxpow },
  { what: 'time', byte: 68, code: NAMECOIN_PROOF_ERRORS.auxpow },
  { what: 'difficulty bits', byte: 72, code: NAMECOIN_PROOF_ERRORS.difficulty },
  { what: 'nonce', byte: 76, code: NAMECOIN_PROOF_ERRORS.auxpow }
]

describe('one bit flipped: the answer is refused, naming the proof', () => {
  it('the unmutated world resolves (the baseline the mutations depart from)', async () => {
    const w = world()
    expect(await (await resolverOn(w, w.chain)).resolve('site.bit')).toMatchObject({ addresses: ['192.0.2.44'] })
  })

  for (const f of HEADER_FLIPS) {
    it(`a header's ${f.what}: ${f.code}`, async () => {
      const w = world()
      expect(await codeOf((await resolverOn(w, withHeader(w, SITE_HEIGHT, b => flipBit(b, f.byte, f.bit)))).resolve('site.bit'))).toBe(f.code)
    })
  }

  it('the AuxPoW (parent coinbase script): NAMECOIN_PROOF_AUXPOW', async () => {
    const w = world()
    // 80 (header) + 4 (coinbase version) + 1 (input count) + 36 (prevout) + 1 (script length) + 2: inside the scriptSig.
    expect(await codeOf((await resolverOn(w, withHeader(w, SITE_HEIGHT, b => flipBit(b, 124)))).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
  })

  it('the AuxPoW (chain Merkle root in the coinbase): NAMECOIN_PROOF_AUXPOW', async () => {
    const w = world()
    // The scriptSig is 5 bytes of height push, 1 length byte, then the 32-byte chain root.
    expect(await codeOf((await resolverOn(w, withHeader(w, SITE_HEIGHT, b => flipBit(b, 80 + 4 + 1 + 36 + 1 + 6 + 3)))).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
  })

  it('the Merkle branch (one bit of a sibling hash): NAMECOIN_PROOF_MERKLE', async () => {
    const w = world()
    const [txid, proof] = [...w.chain.merkles!][0]
    const sibling = Buffer.from(proof.merkle[0], 'hex')
    const merkles = new Map([[txid, { ...proof, merkle: [flipBit(sibling, 31, 7).toString('hex'), ...proof.merkle.slice(1)] }]])
    expect(await codeOf((await resolverOn(w, { ...w.chain, merkles })).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('the Merkle branch position: NAMECOIN_PROOF_MERKLE', async () => {
    const w = world()
    const merkles = new Map([...w.chain.merkles!].map(([k, v]) => [k, { ...v, pos: v.pos ^ 1 }]))
    expect(await codeOf((await resolverOn(w, { ...w.chain, merkles })).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('the name script as served (the transaction no longer hashes to the proven txid): NAMECOIN_PROOF_MERKLE', async () => {
    const w = world()
    const txid = w.txids[0]
    const raw = Buffer.from(w.chain.transactions.get(txid) as string, 'hex')
    const at = raw.indexOf(Buffer.from('d/site'))
    const transactions = new Map(w.chain.transactions)
    transactions.set(txid, flipBit(raw, at + 5).toString('hex')) // d/site → d/sitd
    expect(await codeOf((await resolverOn(w, { ...w.chain, transactions })).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('the name script in the block (a proven transaction for d/sitd, indexed under d/site): NAMECOIN_PROOF_NAME_SCRIPT', async () => {
    // d/sitd differs from d/site in one bit; that transaction really is in the chain.
    const mutated = buildNameTx({ name: 'd/sitd', value: VALUE })
    const w = provenWorld({ tip: TIP, txs: [{ name: 'd/site', hex: mutated.hex, txid: mutated.txid, height: SITE_HEIGHT }] })
    expect(await codeOf((await resolverOn(w, w.chain)).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
  })

  it('a value over 520 bytes (Namecoin\'s limit), proven in the chain: NAMECOIN_PROOF_NAME_SCRIPT', async () => {
    const w = provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: JSON.stringify({ ip: '192.0.2.1', pad: 'x'.repeat(520) }), height: SITE_HEIGHT }] })
    expect(await codeOf((await resolverOn(w, w.chain)).resolve('site.bit'))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
  })

  it('a proven value that is not JSON: RESOLVE_INVALID_RECORD', async () => {
    const w = provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: 'not json {', height: SITE_HEIGHT }] })
    expect(await codeOf((await resolverOn(w, w.chain)).resolve('site.bit'))).toBe('RESOLVE_INVALID_RECORD')
  })
})

describe('through the gateway: a 502 page naming the failed proof, and the gateway keeps serving', () => {
  it('Merkle branch and AuxPoW mutations each give their page', async () => {
    for (const [mutate, code] of [
      [(w: ProvenWorld) => ({ ...w.chain, merkles: new Map([...w.chain.merkles!].map(([k, v]) => [k, { ...v, pos: v.pos ^ 1 }])) }), NAMECOIN_PROOF_ERRORS.merkle],
      [(w: ProvenWorld) => withHeader(w, SITE_HEIGHT, b => flipBit(b, 124)), NAMECOIN_PROOF_ERRORS.auxpow],
      [(w: ProvenWorld) => withHeader(w, SITE_HEIGHT, b => flipBit(b, 72)), NAMECOIN_PROOF_ERRORS.difficulty]
    ] as const) {
      const w = world()
      const namecoin = await resolverOn(w, mutate(w))
      const torNet = new TorNetResolver({ lookupName: async () => undefined })
      const gateway = await createGateway({ port: 0, resolver: new ResolverChain({ torNet, bit: namecoin }), content: new FakeSiteContent() })
      cleanups.push(async () => { await gateway.close() })
      const r = await proxyGet(gateway.address.port, 'http://site.bit/')
      expect(r.status).toBe(502)
      expect(r.headers['x-tornet-error']).toBe(code)
      const page = r.body.toString()
      expect(page).toContain('Namecoin answer failed its proof')
      expect(page).toContain(code)
      // The gateway still answers its own pages.
      expect((await proxyGet(gateway.address.port, 'http://tornet.tor-net/')).status).not.toBe(502)
    }
  })
})
