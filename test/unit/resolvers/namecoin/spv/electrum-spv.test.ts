import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import { ElectrumConnection, parseServer } from '../../../../../src/resolvers/namecoin/electrum-connection.js'
import { electrumHeaderSource } from '../../../../../src/resolvers/namecoin/spv/electrum-header-source.js'
import { HeaderChain } from '../../../../../src/resolvers/namecoin/spv/header-chain.js'
import { verifyNameAnswer, type MerkleAnswer } from '../../../../../src/resolvers/namecoin/spv/name-proof.js'
import { NAMECOIN_PROOF_ERRORS } from '../../../../../src/resolvers/namecoin/spv/proof-errors.js'
import { addRawTx, emptyChain, startElectrumxServer } from '../../../../helpers/electrumx-server.js'
import { TEST_POW_LIMIT, buildChain, sha256d } from '../../../../fixtures/namecoin/spv/synthetic-chain.js'

// Headers, a name transaction and its Merkle proof over TCP from the protocol-true ElectrumX
// test server, verified end to end (the real name tx of atomic-trade-tx.json, synthetic chain).
const trade = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))
const CP = 2015
const HEIGHT = 2020
const TIP = 2040
const rev = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse()

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function setup (tamper?: (full: Buffer) => Buffer): Promise<{ chain: HeaderChain, request: (m: string, p: unknown[]) => Promise<unknown> }> {
  const sibling = sha256d(Buffer.from('coinbase'))
  const root = sha256d(sibling, rev(trade.signed.txid))
  const blocks = buildChain({ checkpointHeight: CP, firstTarget: TEST_POW_LIMIT >> 1n, count: TIP - CP, merkleRootAt: h => h === HEIGHT ? root : undefined })
  const server = emptyChain(TIP)
  server.headers = new Map(blocks.map(b => [b.height, b.height === HEIGHT && tamper !== undefined ? tamper(b.full) : b.full]))
  server.merkles = new Map([[trade.signed.txid, { merkle: [Buffer.from(sibling).reverse().toString('hex')], block_height: HEIGHT, pos: 1 }]])
  addRawTx(server, 'd/my-cool-domain', trade.signed.hex, trade.signed.txid, HEIGHT)
  const s = await startElectrumxServer(server, { splitWrites: true })
  cleanups.push(s.close)
  const conn = await ElectrumConnection.open(parseServer(s.spec)!, { timeoutMs: 5000 })
  cleanups.push(() => conn.close())
  const dir = mkdtempSync(join(tmpdir(), 'tornet-spv-tcp-'))
  const chain = HeaderChain.open(dir, { name: 'test', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: CP, hash: blocks[0].hash, nextTarget: TEST_POW_LIMIT >> 1n } })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanups.push(async () => { await chain.close() })
  const request = async (m: string, p: unknown[]): Promise<unknown> => await conn.request(m, p)
  return { chain, request }
}

describe('SPV over the Electrum protocol (test ElectrumX server on loopback)', () => {
  it('syncs headers with AuxPoW in batches and proves the name from get_merkle', async () => {
    const { chain, request } = await setup()
    expect(await chain.sync(electrumHeaderSource(request), { batch: 7 })).toBe(TIP)
    const merkle = await request('blockchain.transaction.get_merkle', [trade.signed.txid, HEIGHT]) as MerkleAnswer
    const txRaw = await request('blockchain.transaction.get', [trade.signed.txid]) as string
    const r = verifyNameAnswer({ name: 'd/my-cool-domain', txid: trade.signed.txid, txRaw, merkle, chain })
    expect(r.value).toBe('thanks from Sally')
    expect(r.expiresIn).toBe(HEIGHT + 36_000 - TIP)
  })

  it('stops at the server block whose AuxPoW was altered, naming the proof', async () => {
    const { chain, request } = await setup(full => { const b = Buffer.from(full); b[120] ^= 1; return b })
    let code = ''
    try { await chain.sync(electrumHeaderSource(request), { batch: 3 }) } catch (err) { if (isTornetError(err)) code = err.code }
    expect(code).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
    expect(chain.tipHeight).toBeLessThan(HEIGHT)
  })
})
