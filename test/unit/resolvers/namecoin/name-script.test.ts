import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { findNameValue, nameIndexScript, nameIndexScriptHash, parseNameScript, pushData } from '../../../../src/resolvers/namecoin/name-script.js'
import { parseRawTransaction } from '../../../../src/resolvers/namecoin/raw-transaction.js'
import { nameScript } from '../../../fixtures/namecoin/name-tx-builder.js'

const realScripts = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/real-name-scripts.json', import.meta.url), 'utf8')).scripts
const trade = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))

describe('name index script (ElectrumX NameIndexMixin / Electrum-NMC)', () => {
  it('is OP_NAME_UPDATE <name> <empty> OP_2DROP OP_DROP OP_RETURN', () => {
    expect(nameIndexScript(Buffer.from('d/example')).toString('hex')).toBe('5309' + Buffer.from('d/example').toString('hex') + '006d756a')
  })

  it('hashes to the byte-reversed SHA-256 of that script', () => {
    const script = Buffer.from('5309' + Buffer.from('d/example').toString('hex') + '006d756a', 'hex')
    const expected = Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex')
    expect(nameIndexScriptHash('d/example')).toBe(expected)
    expect(nameIndexScriptHash(Buffer.from('d/example'))).toBe(expected)
  })

  it('uses PUSHDATA1 for names of 76 bytes and more, as ElectrumX push_data does', () => {
    const long = Buffer.alloc(100, 0x61)
    expect(nameIndexScript(long).subarray(0, 3)).toEqual(Buffer.from([0x53, 0x4c, 100]))
  })
})

describe('pushData', () => {
  it('picks the opcode by length', () => {
    expect(pushData(Buffer.alloc(0))).toEqual(Buffer.from([0]))
    expect(pushData(Buffer.alloc(75)).subarray(0, 1)).toEqual(Buffer.from([75]))
    expect(pushData(Buffer.alloc(76)).subarray(0, 2)).toEqual(Buffer.from([0x4c, 76]))
    expect(pushData(Buffer.alloc(300)).subarray(0, 3)).toEqual(Buffer.from([0x4d, 0x2c, 0x01]))
  })
})

describe('parseNameScript', () => {
  it('decodes real mainnet NAME_NEW, NAME_FIRSTUPDATE and NAME_UPDATE scripts', () => {
    for (const s of realScripts) {
      const op = parseNameScript(Buffer.from(s.hex, 'hex'))
      expect(op?.op).toBe(s.op)
      if (op?.op === 'name_new') expect(op.hash.toString('hex')).toBe(s.hash)
      if (op?.op === 'name_firstupdate') expect(op.rand.toString('hex')).toBe(s.rand)
      if (op !== undefined && op.op !== 'name_new') {
        expect(op.name.toString()).toBe(s.name)
        expect(op.value.toString()).toBe(s.value)
        expect(op.addressScript.toString('hex')).toBe(s.addressScript)
      }
    }
  })

  it('decodes values pushed with PUSHDATA1 and PUSHDATA2', () => {
    for (const len of [80, 400]) {
      const value = JSON.stringify({ ip: '192.0.2.1', txt: 'x'.repeat(len) })
      const op = parseNameScript(nameScript({ name: 'd/long', value }))
      expect(op?.op === 'name_update' && op.value.toString()).toBe(value)
    }
  })

  it('returns undefined for ordinary and malformed scripts', () => {
    const update = Buffer.from(realScripts[2].hex, 'hex')
    expect(parseNameScript(Buffer.alloc(0))).toBeUndefined()
    expect(parseNameScript(Buffer.from('76a9148d804b079ac79ad0ca108a4e5b679db591ff069b88ac', 'hex'))).toBeUndefined()
    // truncated inside the value push
    expect(parseNameScript(update.subarray(0, 20))).toBeUndefined()
    // a push length running past the end
    expect(parseNameScript(Buffer.from('53ff', 'hex'))).toBeUndefined()
    expect(parseNameScript(Buffer.from('534d0010', 'hex'))).toBeUndefined()
    // wrong argument count: NAME_UPDATE with three pushes
    expect(parseNameScript(Buffer.from('530161016201636d75', 'hex'))).toBeUndefined()
    // a non-push opcode among the arguments (OP_DUP)
    expect(parseNameScript(Buffer.from('530161766d75', 'hex'))).toBeUndefined()
    // no drop at all
    expect(parseNameScript(Buffer.from('5301610162', 'hex'))).toBeUndefined()
  })
})

describe('findNameValue', () => {
  it('finds the NAME_UPDATE output of the real transaction by name', () => {
    const tx = parseRawTransaction(Buffer.from(trade.signed.hex, 'hex'))
    const found = findNameValue(tx.outputs.map(o => o.script), Buffer.from('d/my-cool-domain'))
    expect(found?.index).toBe(trade.nameOp.vout)
    expect(found?.value.toString()).toBe(trade.nameOp.value)
    expect(findNameValue(tx.outputs.map(o => o.script), Buffer.from('d/other'))).toBeUndefined()
  })
})
