import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RawTxError, decodeHex, parseRawTransaction } from '../../../../src/resolvers/namecoin/raw-transaction.js'
import { buildNameTx } from '../../../fixtures/namecoin/name-tx-builder.js'

const real = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))

describe('parseRawTransaction', () => {
  it('parses a real signed Namecoin name transaction and reproduces its txid', () => {
    const tx = parseRawTransaction(Buffer.from(real.signed.hex, 'hex'))
    expect(tx.txid).toBe(real.signed.txid)
    expect(tx.version).toBe(0x7100)
    expect(tx.segwit).toBe(false)
    expect(tx.locktime).toBe(0)
    expect(tx.inputs.map(i => ({ txid: i.prevTxid, vout: i.prevIndex }))).toEqual(real.inputs)
    expect(tx.inputs[0].scriptSig.length).toBe(0x49)
    expect(tx.inputs[1].scriptSig.length).toBe(0x8a)
    expect(tx.outputs.map(o => ({ value: Number(o.value), script: o.script.toString('hex') }))).toEqual(real.outputs)
  })

  it('reproduces the txid of the unsigned version (empty scriptSigs)', () => {
    const tx = parseRawTransaction(Buffer.from(real.unsigned.hex, 'hex'))
    expect(tx.txid).toBe(real.unsigned.txid)
    expect(tx.inputs.every(i => i.scriptSig.length === 0)).toBe(true)
  })

  it('parses segwit serialization and leaves the witness out of the txid', () => {
    const legacy = buildNameTx({ name: 'd/seg', value: '{}', seed: 'same' })
    const segwit = buildNameTx({ name: 'd/seg', value: '{}', seed: 'same', segwit: true })
    const tx = parseRawTransaction(Buffer.from(segwit.hex, 'hex'))
    expect(tx.segwit).toBe(true)
    expect(tx.inputs[0].witness.map(w => w.length)).toEqual([72, 33])
    expect(tx.txid).toBe(segwit.txid)
    // Same inputs and outputs except the scriptSig, so a different txid; but witness bytes never count.
    expect(parseRawTransaction(Buffer.from(legacy.hex, 'hex')).txid).toBe(legacy.txid)
  })

  it('rejects every truncation of a real transaction', () => {
    const bytes = Buffer.from(real.signed.hex, 'hex')
    for (let n = 0; n < bytes.length; n += 7) {
      expect(() => parseRawTransaction(bytes.subarray(0, n))).toThrow(RawTxError)
    }
  })

  it('rejects trailing bytes', () => {
    const bytes = Buffer.concat([Buffer.from(real.signed.hex, 'hex'), Buffer.from([0])])
    expect(() => parseRawTransaction(bytes)).toThrow(/trailing/)
  })

  it('rejects counts that cannot fit instead of allocating for them', () => {
    // version, then an input count of 2^32-1 (0xfe ffffffff) with nothing behind it
    const bytes = Buffer.from('00710000feffffffff', 'hex')
    expect(() => parseRawTransaction(bytes)).toThrow(/cannot fit/)
  })

  it('rejects non-canonical CompactSize', () => {
    const good = Buffer.from(real.unsigned.hex, 'hex')
    // input count 2 written as 0xfd 0x0200
    const bad = Buffer.concat([good.subarray(0, 4), Buffer.from('fd0200', 'hex'), good.subarray(5)])
    expect(() => parseRawTransaction(bad)).toThrow(/non-canonical/)
  })

  it('rejects a transaction without inputs', () => {
    expect(() => parseRawTransaction(Buffer.from('01000000000000000000', 'hex'))).toThrow(RawTxError)
  })
})

describe('decodeHex', () => {
  it('refuses odd lengths and non-hex characters', () => {
    expect(() => decodeHex('abc', 'x')).toThrow(RawTxError)
    expect(() => decodeHex('zz', 'x')).toThrow(RawTxError)
    expect(decodeHex('00ff', 'x')).toEqual(Buffer.from([0, 255]))
  })
})
