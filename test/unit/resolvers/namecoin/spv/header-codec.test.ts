import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HeaderDecodeError, compactHeaders, decodeHeader, decodeHeaders, hashHex } from '../../../../../src/resolvers/namecoin/spv/header-codec.js'
import { parseRawTransaction } from '../../../../../src/resolvers/namecoin/raw-transaction.js'

const real = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8'))
const byHeight = (h: number): { hex: string, prevHash: string } => real.mainnet.find((x: { height: number }) => x.height === h)
const h37174 = Buffer.from(byHeight(37174).hex, 'hex')
const h19204 = Buffer.from(byHeight(19204).hex, 'hex')

describe('Namecoin header codec', () => {
  it('decodes a plain header (block 19,204) to the hash and fields block explorers show', () => {
    const h = decodeHeader(h19204)
    expect(hashHex(h.hash)).toBe('000000000000122ff239e71146bf57aee28ad913931d672cd124255e91351660')
    expect(hashHex(h.prevHash)).toBe(byHeight(19204).prevHash)
    expect(hashHex(h.merkleRoot)).toBe('45d5bc5330dad21dd4dcf0daadefef4ba826fe81e2dd2fa38a4a49ea06c97b1d')
    expect(h.bits).toBe(0x1b00b269)
    expect(h.auxpow).toBeUndefined()
  })

  it('decodes the AuxPoW of block 37,174 as Electrum-NMC does (coinbase txid, branches, chain index)', () => {
    const h = decodeHeader(h37174)
    const a = h.auxpow
    if (a === undefined) throw new Error('no auxpow')
    expect(hashHex(a.coinbaseTxid)).toBe('8a3164be45a621f85318647d425fe9f45837b8e42ec4fdd902d7f64daf61ff4a')
    expect(a.coinbaseBranch.map(hashHex)).toEqual([
      'f8f27314022a5165ae122642babb28dd44191dd36f99dad80b4f16b75197dde0',
      'c8a9dc420e17dee7b04bc0174c7a37ed9e5bc3f0ea0fdfe0b5d24bfc19ecedb0',
      '0ce9c5b98e212527e4aa7b9298435dc4e8f4dfc4dc63b7c89c06300637c33620',
      '3b6d0c4122a5b047cb879a440461839f0446f6bd451f01c6f0b14b6624e84136',
      '458500be38a68b215112df5e52d9c08fdd52034fb2005ce15d2a42be28e436cb'
    ])
    expect(a.coinbaseIndex).toBe(0)
    expect(a.chainBranch.map(hashHex)[0]).toBe('000000000000000000000000000000000000000000000000000000000000000a')
    expect(a.chainBranch).toHaveLength(4)
    expect(a.chainIndex).toBe(11)
    expect(a.parent.raw.toString('hex')).toBe('0100000055a7bc918827dbe7d8027781d803f4b418589b7b9fc03e718a03000000000000625a3d6dc4dfb0ab25f450cd202ff3bdb074f2edde1ddb4af5217e10c9dbafb9639a0a4fd7690d1a25aeaa97')
  })

  it('refuses trailing bytes, and every truncation of a header with AuxPoW', () => {
    expect(() => decodeHeader(Buffer.concat([h37174, Buffer.from([0])]))).toThrow(HeaderDecodeError)
    for (let cut = 0; cut < h37174.length; cut++) {
      expect(() => decodeHeader(h37174.subarray(0, cut)), `cut at ${cut}`).toThrow(HeaderDecodeError)
    }
  })

  it('refuses branch counts beyond the bound without allocating them', () => {
    const h = decodeHeader(h37174)
    const a = h.auxpow!
    // The coinbase branch count sits right after the coinbase tx and hashBlock.
    const at = 80 + a.coinbaseTx.length + 32
    expect(h37174[at]).toBe(5)
    const bad = Buffer.from(h37174)
    bad[at] = 0xfe // CompactSize u32 follows
    bad.writeUInt32LE(0xffffffff, at + 1)
    expect(() => decodeHeader(bad)).toThrow(/exceeds|truncated/)
  })

  it('decodes a run of headers back to back, refusing more than asked for', () => {
    const run = Buffer.concat([h19204, h37174, h19204])
    const hs = decodeHeaders(run, 3)
    expect(hs.map(h => h.auxpow !== undefined)).toEqual([false, true, false])
    expect(() => decodeHeaders(run, 2)).toThrow(HeaderDecodeError)
    expect(decodeHeaders(Buffer.alloc(0), 5)).toEqual([])
  })

  it('reads checkpointed (truncated) headers as 80 bytes only', () => {
    expect(decodeHeaders(h37174.subarray(0, 80), 1, { truncated: true })[0].auxpow).toBeUndefined()
  })

  // The codec reads the coinbase's txid on the way through (no second parse): for a segwit
  // coinbase (marker, flag, witness) it must be the txid of the stripped serialization.
  it('takes the txid of a segwit parent coinbase without its marker, flag and witness', () => {
    const h = decodeHeader(h37174)
    const legacy = h.auxpow!.coinbaseTx
    // Re-serialize the same coinbase with segwit: version · 00 01 · body · witness · locktime.
    const segwit = Buffer.concat([legacy.subarray(0, 4), Buffer.from([0, 1]), legacy.subarray(4, legacy.length - 4),
      Buffer.from([1, 32]), Buffer.alloc(32, 0xab), legacy.subarray(legacy.length - 4)])
    const rest = h37174.subarray(80 + legacy.length)
    const decoded = decodeHeader(Buffer.concat([h37174.subarray(0, 80), segwit, rest]))
    expect(decoded.auxpow!.coinbaseTx).toEqual(segwit)
    expect(hashHex(decoded.auxpow!.coinbaseTxid)).toBe(parseRawTransaction(segwit).txid)
    expect(hashHex(decoded.auxpow!.coinbaseTxid)).toBe('8a3164be45a621f85318647d425fe9f45837b8e42ec4fdd902d7f64daf61ff4a')
    expect(decoded.auxpow!.coinbaseScript).toEqual(h.auxpow!.coinbaseScript)
  })

  it('compacts decoded headers into copies that no longer depend on the answer they came from', () => {
    const run = Buffer.concat([h19204, h37174])
    const hs = decodeHeaders(run, 2)
    const kept = compactHeaders(hs)
    run.fill(0)
    expect(hashHex(kept[0].hash)).toBe('000000000000122ff239e71146bf57aee28ad913931d672cd124255e91351660')
    expect(kept[1].raw).toEqual(h37174.subarray(0, 80))
    expect(hashHex(kept[0].prevHash)).toBe(byHeight(19204).prevHash)
    expect(kept[1]).not.toHaveProperty('auxpow')
    expect(kept.map(k => k.raw.length)).toEqual([80, 80])
  })
})
