import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AuxPowFailure, checkAuxPow, expectedChainIndex } from '../../../../../src/resolvers/namecoin/spv/auxpow.js'
import { decodeHeader, type AuxPow } from '../../../../../src/resolvers/namecoin/spv/header-codec.js'

// The rejections Electrum-NMC's test_auxpow.py (and libdohj) check, on the same real headers.
const real = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8'))
const header = (h: number): ReturnType<typeof decodeHeader> => decodeHeader(Buffer.from(real.mainnet.find((x: { height: number }) => x.height === h).hex, 'hex'))

function reason (h: ReturnType<typeof decodeHeader>, change: (a: AuxPow) => AuxPow): string {
  try { checkAuxPow(change(h.auxpow!), h.hash, 1) } catch (err) { if (err instanceof AuxPowFailure) return err.message; throw err }
  return 'ACCEPTED'
}

describe('AuxPoW rules (namecoin-core CAuxPow::check)', () => {
  it('accepts the real proofs unchanged', () => {
    expect(reason(header(37174), a => a)).toBe('ACCEPTED')
    expect(reason(header(19414), a => a)).toBe('ACCEPTED')
  })

  it('refuses a chain Merkle branch longer than 30', () => {
    expect(reason(header(37174), a => ({ ...a, chainBranch: Array.from({ length: 31 }, () => Buffer.alloc(32)) }))).toMatch(/at most 30/)
  })

  it('refuses a coinbase without inputs', () => {
    expect(reason(header(37174), a => ({ ...a, coinbaseScript: undefined }))).toMatch(/no inputs/)
  })

  it('refuses a second merged-mining magic in the coinbase', () => {
    expect(reason(header(37174), a => ({ ...a, coinbaseScript: Buffer.concat([a.coinbaseScript!, Buffer.from('fabe6d6d', 'hex')]) }))).toMatch(/more than one/)
  })

  it('refuses a magic that is not right before the chain root', () => {
    const h = header(37174)
    const s = Buffer.from(h.auxpow!.coinbaseScript!)
    const at = s.indexOf(Buffer.from('fabe6d6d', 'hex'))
    const moved = Buffer.concat([s.subarray(0, at), Buffer.from('fabe6d6d00', 'hex'), s.subarray(at + 4)])
    expect(reason(h, a => ({ ...a, coinbaseScript: moved }))).toMatch(/not just before/)
  })

  it('refuses a chain root later than byte 20 when there is no magic (block 19,414)', () => {
    expect(reason(header(19414), a => ({ ...a, coinbaseScript: Buffer.concat([Buffer.alloc(21), a.coinbaseScript!]) }))).toMatch(/first 20 bytes/)
  })

  it('refuses a missing size/nonce, a wrong tree size and a wrong slot', () => {
    const h = header(37174)
    const s = h.auxpow!.coinbaseScript!
    const root = s.indexOf(Buffer.from('fabe6d6d', 'hex')) + 4
    expect(reason(h, a => ({ ...a, coinbaseScript: s.subarray(0, root + 32 + 7) }))).toMatch(/size and nonce/)
    const wrongSize = Buffer.from(s); wrongSize.writeUInt32LE(8, root + 32)
    expect(reason(h, a => ({ ...a, coinbaseScript: wrongSize }))).toMatch(/tree size/)
    const wrongNonce = Buffer.from(s); wrongNonce.writeUInt32LE(wrongNonce.readUInt32LE(root + 36) + 1, root + 36)
    expect(reason(h, a => ({ ...a, coinbaseScript: wrongNonce }))).toMatch(/index/)
  })

  it('refuses a proof for another block (the chain root is not in the coinbase)', () => {
    const h = header(19414)
    expect(() => checkAuxPow(h.auxpow!, header(37174).hash, 1)).toThrow(/chain Merkle root missing/)
  })

  // CAuxPow::getExpectedIndex in 64-bit arithmetic, written out with BigInt: the 32-bit fast
  // path must give the same slot for every branch length consensus allows.
  it('computes the expected chain index as Core does in 64 bits', () => {
    const core = (nonce: number, chainId: number, h: number): number => {
      const mod = 1n << BigInt(h)
      const m64 = 1n << 64n
      let rand = (BigInt(nonce) * 1103515245n + 12345n) % m64 % mod
      rand = ((rand + BigInt(chainId)) * 1103515245n + 12345n) % m64 % mod
      return Number(rand)
    }
    let seed = 11
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
    for (let i = 0; i < 3000; i++) {
      const nonce = (rnd() * 2 + (rnd() & 1)) >>> 0
      const chainId = i % 4 === 0 ? 1 : rnd() & 0xffff
      const h = i % 31
      expect(expectedChainIndex(nonce, chainId, h), `nonce ${nonce} chain ${chainId} h ${h}`).toBe(core(nonce, chainId, h))
    }
    expect(expectedChainIndex(0xffffffff, 1, 30)).toBe(core(0xffffffff, 1, 30))
  })
})
