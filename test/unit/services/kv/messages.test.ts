import { describe, expect, it } from 'vitest'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import {
  decodeGetReply, decodeKvRequest, decodeStoreReply, encodeGetReply, encodeKvRequest, encodeStoreReply
} from '../../../../src/node/services/kv/messages.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'

describe('kv messages', () => {
  it('round-trip every request and reply', () => {
    const store = { type: 'store' as const, record: Buffer.from('record bytes') }
    const get = { type: 'get' as const, location: Buffer.alloc(32, 9) }
    expect(decodeKvRequest(encodeKvRequest(store))).toEqual(store)
    expect(decodeKvRequest(encodeKvRequest(get))).toEqual(get)
    for (const code of Object.values(KvErrorCode).filter(c => c !== KvErrorCode.NOT_STORED && c !== KvErrorCode.INVALID_ARGUMENT && c !== KvErrorCode.NOT_RUNNING)) {
      expect(decodeStoreReply(encodeStoreReply({ accepted: false, code }))).toEqual({ accepted: false, code })
    }
    expect(decodeStoreReply(encodeStoreReply({ accepted: true }))).toEqual({ accepted: true })
    expect(decodeGetReply(encodeGetReply(undefined))).toBeUndefined()
    expect(decodeGetReply(encodeGetReply(Buffer.from('rec')))).toEqual(Buffer.from('rec'))
  })

  it('pins the wire bytes', () => {
    expect(encodeKvRequest({ type: 'get', location: Buffer.alloc(32, 1) }).toString('hex')).toBe('02' + '01'.repeat(32))
    expect(encodeStoreReply({ accepted: false, code: KvErrorCode.TOO_LARGE }).toString('hex')).toBe('03')
    expect(encodeStoreReply({ accepted: false, code: KvErrorCode.STORE_FULL }).toString('hex')).toBe('07')
    expect(encodeStoreReply({ accepted: false, code: KvErrorCode.NOT_REPLICA }).toString('hex')).toBe('08')
    expect(encodeStoreReply({ accepted: false, code: KvErrorCode.OVER_QUOTA }).toString('hex')).toBe('09')
  })

  it('rejects malformed input', () => {
    for (const bad of ['', '00', '01', '03aa', '02' + '01'.repeat(31), '02' + '01'.repeat(33)]) {
      expect(tryDecode(decodeKvRequest, Buffer.from(bad, 'hex')), bad).toBeUndefined()
    }
    expect(tryDecode(decodeKvRequest, Buffer.alloc(20_000, 1))).toBeUndefined()
    for (const bad of ['', '0a', '0000', 'ff']) expect(tryDecode(decodeStoreReply, Buffer.from(bad, 'hex')), bad).toBeUndefined()
    for (const bad of ['', '01', '02aa', '0000']) expect(tryDecode(decodeGetReply, Buffer.from(bad, 'hex')), bad).toBeUndefined()
  })
})
