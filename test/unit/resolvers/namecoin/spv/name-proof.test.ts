import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import { HeaderChain } from '../../../../../src/resolvers/namecoin/spv/header-chain.js'
import { verifyNameAnswer, type NameAnswer } from '../../../../../src/resolvers/namecoin/spv/name-proof.js'
import { NAMECOIN_PROOF_ERRORS } from '../../../../../src/resolvers/namecoin/spv/proof-errors.js'
import { RESOLVE_ERRORS } from '../../../../../src/resolvers/types.js'
import { buildNameTx } from '../../../../fixtures/namecoin/name-tx-builder.js'
import { TEST_POW_LIMIT, buildChain, sha256d } from '../../../../fixtures/namecoin/spv/synthetic-chain.js'

/*
 * The name transaction is real (Namecoin Core's, from namecoin.org "Atomic Name Trading":
 * NAME_UPDATE of d/my-cool-domain); so are its sibling transaction ids (mainnet block 19,204).
 * The block that holds them is built on the synthetic test chain (see synthetic-chain.ts).
 */
const trade = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))
const real = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8'))
const b19204 = real.mainnet.find((x: { height: number }) => x.height === 19204)

const CP = 2015
const NAME_HEIGHT = 2030
const TIP = 2060
const rev = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse()
const hexOf = (b: Buffer): string => Buffer.from(b).reverse().toString('hex')

const big = buildNameTx({ name: 'd/big', value: 'x'.repeat(521), seed: 'big' })
const other = buildNameTx({ name: 'd/other', value: '{"ip":"192.0.2.1"}', seed: 'other' })
// Block NAME_HEIGHT: coinbase-like real txid, the real name tx, another real txid, two built ones.
const leaves = [rev(b19204.txids[0]), rev(trade.signed.txid), rev(b19204.txids[1]), rev(big.txid), rev(other.txid)]

function tree (ls: Buffer[], index: number): { root: Buffer, branch: string[] } {
  let level = ls
  let i = index
  const branch: string[] = []
  while (level.length > 1) {
    branch.push(hexOf(level[i ^ 1] ?? level[i]))
    const next: Buffer[] = []
    for (let k = 0; k < level.length; k += 2) next.push(sha256d(level[k], level[k + 1] ?? level[k]))
    level = next
    i >>= 1
  }
  return { root: level[0], branch }
}

let chain: HeaderChain
let dir: string

beforeAll(async () => {
  const blocks = buildChain({ checkpointHeight: CP, firstTarget: TEST_POW_LIMIT >> 1n, count: TIP - CP, merkleRootAt: h => h === NAME_HEIGHT ? tree(leaves, 0).root : undefined })
  dir = mkdtempSync(join(tmpdir(), 'tornet-spv-proof-'))
  chain = HeaderChain.open(dir, { name: 'test', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: CP, hash: blocks[0].hash, nextTarget: TEST_POW_LIMIT >> 1n } })
  await chain.sync({ headers: async (start, count) => Buffer.concat(blocks.filter(b => b.height >= start && b.height < start + count).map(b => b.full)) })
})
afterAll(async () => { await chain.close(); rmSync(dir, { recursive: true, force: true }) })

function answer (over: Partial<NameAnswer> = {}): NameAnswer {
  return {
    name: 'd/my-cool-domain',
    txid: trade.signed.txid,
    txRaw: trade.signed.hex,
    merkle: { merkle: tree(leaves, 1).branch, block_height: NAME_HEIGHT, pos: 1 },
    chain,
    ...over
  }
}

function code (a: NameAnswer): string {
  try { verifyNameAnswer(a) } catch (err) { if (isTornetError(err)) return err.code; throw err }
  return 'ACCEPTED'
}

describe('name proof (transaction → Merkle branch → verified header → name script → expiry)', () => {
  it('proves the real name update and reports its height and blocks to expiry against the verified tip', () => {
    expect(chain.tipHeight).toBe(TIP)
    const r = verifyNameAnswer(answer())
    expect(r.value).toBe('thanks from Sally')
    expect(r.height).toBe(NAME_HEIGHT)
    expect(r.expiresIn).toBe(NAME_HEIGHT + 36_000 - TIP)
    expect(r.txid).toBe(trade.signed.txid)
  })

  it('fails the Merkle proof for a flipped bit in any branch hash, and for a wrong position', () => {
    const { branch } = tree(leaves, 1)
    for (let k = 0; k < branch.length; k++) {
      const bad = [...branch]
      const bytes = Buffer.from(bad[k], 'hex'); bytes[k % 32] ^= 1 << (k % 8); bad[k] = bytes.toString('hex')
      expect(code(answer({ merkle: { merkle: bad, block_height: NAME_HEIGHT, pos: 1 } })), `hash ${k}`).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    }
    expect(code(answer({ merkle: { merkle: branch, block_height: NAME_HEIGHT, pos: 0 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    expect(code(answer({ merkle: { merkle: branch, block_height: NAME_HEIGHT + 1, pos: 1 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('fails when one bit of the name script is flipped: the transaction is no longer the proven one', () => {
    const raw = Buffer.from(trade.signed.hex, 'hex')
    const script = Buffer.from(trade.outputs[2].script, 'hex')
    const at = raw.indexOf(script)
    expect(at).toBeGreaterThan(0)
    for (const offset of [0, 3, 20, script.length - 3]) {
      const bad = Buffer.from(raw); bad[at + offset] ^= 0x02
      expect(code(answer({ txRaw: bad })), `script byte ${offset}`).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    }
  })

  it('fails the name-script proof when the proven transaction does not update the name asked for', () => {
    expect(code(answer({ name: 'd/not-my-domain' }))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
    // A transaction that is not the one the server's proof names.
    const { branch } = tree(leaves, 0)
    expect(code(answer({ txid: b19204.txids[0], txRaw: trade.signed.hex, merkle: { merkle: branch, block_height: NAME_HEIGHT, pos: 0 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('refuses a proven value over 520 bytes', () => {
    expect(code(answer({ name: 'd/big', txid: big.txid, txRaw: big.hex, merkle: { merkle: tree(leaves, 3).branch, block_height: NAME_HEIGHT, pos: 3 } }))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
    expect(verifyNameAnswer(answer({ name: 'd/other', txid: other.txid, txRaw: other.hex, merkle: { merkle: tree(leaves, 4).branch, block_height: NAME_HEIGHT, pos: 4 } })).value).toBe('{"ip":"192.0.2.1"}')
  })

  it('refuses a block outside the verified chain, and malformed proofs and transactions', () => {
    const { branch } = tree(leaves, 1)
    expect(code(answer({ merkle: { merkle: branch, block_height: TIP + 1, pos: 1 } }))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    expect(code(answer({ merkle: { merkle: branch, block_height: 100, pos: 1 } }))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    expect(code(answer({ merkle: { merkle: 'nope', block_height: NAME_HEIGHT, pos: 1 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    expect(code(answer({ merkle: { merkle: Array(33).fill('00'.repeat(32)), block_height: NAME_HEIGHT, pos: 1 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    expect(code(answer({ merkle: { merkle: branch, block_height: NAME_HEIGHT, pos: 2 ** 40 } }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    expect(code(answer({ merkle: null as unknown as NameAnswer['merkle'] }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
    expect(code(answer({ txRaw: 'zz' }))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
    expect(code(answer({ txRaw: trade.signed.hex.slice(0, 200) }))).toBe(NAMECOIN_PROOF_ERRORS.nameScript)
    expect(code(answer({ txid: trade.unsigned.txid }))).toBe(NAMECOIN_PROOF_ERRORS.merkle)
  })

  it('calls a proven name expired 36,000 blocks after its update, against the verified tip', () => {
    const farTip = { tipHeight: NAME_HEIGHT + 36_000, headerAt: (h: number) => chain.headerAt(h) }
    expect(code(answer({ chain: farTip }))).toBe(RESOLVE_ERRORS.expired)
    const lastDay = { tipHeight: NAME_HEIGHT + 35_999, headerAt: (h: number) => chain.headerAt(h) }
    expect(verifyNameAnswer(answer({ chain: lastDay })).expiresIn).toBe(1)
  })
})
