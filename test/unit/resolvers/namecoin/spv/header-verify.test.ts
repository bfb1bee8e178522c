import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import { NAMECOIN_MAINNET, type ChainParams } from '../../../../../src/resolvers/namecoin/spv/chain-params.js'
import { HeaderDecodeError, decodeHeader, hashHex } from '../../../../../src/resolvers/namecoin/spv/header-codec.js'
import { verifyHeaderWork } from '../../../../../src/resolvers/namecoin/spv/header-verify.js'
import { NAMECOIN_PROOF_ERRORS } from '../../../../../src/resolvers/namecoin/spv/proof-errors.js'
import { expectedChainIndex } from '../../../../../src/resolvers/namecoin/spv/auxpow.js'

const real = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8'))
interface Real { height: number, hex: string, prevHash: string, target?: string }
const mainnet: Real[] = real.mainnet
const raw = (h: number): Buffer => Buffer.from(mainnet.find(x => x.height === h)!.hex, 'hex')
const TESTNET: ChainParams = { ...NAMECOIN_MAINNET, name: 'Namecoin testnet', powLimit: BigInt('0x0000000fffffffffffffffffffffffffffffffffffffffffffffffffffffffff'), legacyBlocksBefore: Number.POSITIVE_INFINITY }

function code (fn: () => void): string {
  try { fn() } catch (err) {
    if (isTornetError(err)) return err.code
    if (err instanceof HeaderDecodeError) return 'DECODE'
    throw err
  }
  return 'ACCEPTED'
}

describe('proof of work and AuxPoW of real Namecoin headers', () => {
  it.each(mainnet.map(h => [h.height, h] as const))('accepts mainnet block %i (prev hash and target as recorded)', (_h, h) => {
    const header = decodeHeader(Buffer.from(h.hex, 'hex'))
    expect(hashHex(header.prevHash)).toBe(h.prevHash)
    verifyHeaderWork(header, h.height, NAMECOIN_MAINNET)
  })

  it('accepts the testnet header whose parent coinbase has no outputs', () => {
    const t = real.testnet[0]
    const header = decodeHeader(Buffer.from(t.hex, 'hex'))
    expect(hashHex(header.hash)).toBe(t.hash)
    verifyHeaderWork(header, t.height, TESTNET)
  })

  it('computes the chain-merkle slot as consensus does (block 37,174: nonce in the coinbase → index 11)', () => {
    const a = decodeHeader(raw(37174)).auxpow!
    const script = a.coinbaseScript!
    const magic = script.indexOf(Buffer.from('fabe6d6d', 'hex'))
    const nonce = script.readUInt32LE(magic + 4 + 32 + 4)
    expect(expectedChainIndex(nonce, 1, a.chainBranch.length)).toBe(11)
  })

  // Every single-bit change of a real merge-mined header must be refused, except in the two
  // fields consensus ignores (the coinbase Merkle tx's hashBlock and index: auxpow.h).
  it.each([19414, 37174])('refuses every one-bit mutation of block %i outside the fields consensus ignores', (height) => {
    const good = raw(height)
    const a = decodeHeader(good).auxpow!
    const hashBlockAt = 80 + a.coinbaseTx.length
    const indexAt = hashBlockAt + 32 + 1 + 32 * a.coinbaseBranch.length
    const ignored = (i: number): boolean => (i >= hashBlockAt && i < hashBlockAt + 32) || (i >= indexAt && i < indexAt + 4)
    const outcomes = new Map<string, number>()
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good)
      bad[i] ^= 1 << (i % 8)
      const c = code(() => verifyHeaderWork(decodeHeader(bad), height, NAMECOIN_MAINNET))
      if (ignored(i)) { expect(c, `byte ${i}`).toBe('ACCEPTED'); continue }
      expect(c, `byte ${i}`).not.toBe('ACCEPTED')
      outcomes.set(c, (outcomes.get(c) ?? 0) + 1)
    }
    // The header, coinbase and branches fail the AuxPoW commitments; the parent's nonce and time the work.
    expect(outcomes.get(NAMECOIN_PROOF_ERRORS.auxpow)).toBeGreaterThan(0)
    expect(outcomes.get(NAMECOIN_PROOF_ERRORS.pow)).toBeGreaterThan(0)
  })

  it('names the failed proof for each part of the AuxPoW (block 37,174)', () => {
    const good = raw(37174)
    const a = decodeHeader(good).auxpow!
    const flip = (at: number): string => { const b = Buffer.from(good); b[at] ^= 0x10; return code(() => verifyHeaderWork(decodeHeader(b), 37174, NAMECOIN_MAINNET)) }
    const coinbaseBranchAt = 80 + a.coinbaseTx.length + 32 + 1
    const chainBranchAt = coinbaseBranchAt + 32 * a.coinbaseBranch.length + 4 + 1
    const parentAt = good.length - 80
    expect(flip(40)).toBe(NAMECOIN_PROOF_ERRORS.auxpow) // the header's Merkle root: its hash is no longer committed
    expect(flip(80 + 50)).toBe(NAMECOIN_PROOF_ERRORS.auxpow) // the parent coinbase
    expect(flip(coinbaseBranchAt + 3)).toBe(NAMECOIN_PROOF_ERRORS.auxpow) // coinbase Merkle branch
    expect(flip(chainBranchAt + 40)).toBe(NAMECOIN_PROOF_ERRORS.auxpow) // chain Merkle branch
    expect(flip(parentAt + 78)).toBe(NAMECOIN_PROOF_ERRORS.pow) // the parent's nonce: its work is gone
    expect(flip(parentAt + 40)).toBe(NAMECOIN_PROOF_ERRORS.auxpow) // the parent's Merkle root
  })

  it('refuses a plain header whose own hash misses its target (block 19,204, nonce flipped)', () => {
    const b = raw(19204)
    b[77] ^= 1
    expect(code(() => verifyHeaderWork(decodeHeader(b), 19204, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.pow)
  })

  it('refuses the parent chain being Namecoin itself (own chain id), as Electrum-NMC does', () => {
    const b = raw(37174)
    const parentAt = b.length - 80
    raw(19204).copy(b, parentAt, 0, 80) // block 19,204 carries chain id 1
    expect(code(() => verifyHeaderWork(decodeHeader(b), 37174, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
  })

  it('refuses a wrong chain id, the auxpow bit without AuxPoW, and legacy blocks after 19,200', () => {
    const plain = decodeHeader(raw(19204))
    expect(code(() => verifyHeaderWork({ ...plain, version: 0x20001 }, 19204, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
    expect(code(() => verifyHeaderWork({ ...plain, version: 0x10101 }, 19204, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
    expect(code(() => verifyHeaderWork({ ...plain, version: 1 }, 19204, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
    expect(code(() => verifyHeaderWork({ ...plain, bits: 0x1d01ffff }, 19204, NAMECOIN_MAINNET))).toBe(NAMECOIN_PROOF_ERRORS.pow) // above the PoW limit
  })
})
