import { describe, expect, it } from 'vitest'
import {
  getReplyCodec, locationShape, recordRequestCodec, storeReplyCodec
} from '../../../../src/node/services/records/messages.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'

const requests = recordRequestCodec({ label: 'test request', noun: 'record', maxRecordBytes: 40, key: locationShape })
const replies = storeReplyCodec('test store reply', ['A', 'B'] as const)
const gets = getReplyCodec('test get reply', 'record', 8)

describe('record messages', () => {
  it('round-trips a STORE and a GET with their type byte first', () => {
    const store = { type: 'store' as const, record: Buffer.from('abc') }
    const get = { type: 'get' as const, key: Buffer.alloc(32, 7) }
    expect(requests.encode(store).toString('hex')).toBe('01616263')
    expect(requests.decode(requests.encode(store))).toEqual(store)
    expect(requests.decode(requests.encode(get))).toEqual(get)
  })

  it('drops what is too long, empty, trailing or of an unknown type', () => {
    expect(tryDecode(requests.decode, Buffer.alloc(42, 1))).toBeUndefined()
    expect(tryDecode(requests.decode, Buffer.of(1))).toBeUndefined()
    expect(tryDecode(requests.decode, Buffer.concat([Buffer.of(2), Buffer.alloc(33)]))).toBeUndefined()
    expect(tryDecode(requests.decode, Buffer.of(3))).toBeUndefined()
    expect(() => requests.encode({ type: 'get', key: Buffer.alloc(31) })).toThrow(RangeError)
  })

  it('sends a refusal as its index in the reason table plus one', () => {
    expect(replies.encode({ accepted: true })).toEqual(Buffer.of(0))
    expect(replies.encode({ accepted: false, code: 'B' })).toEqual(Buffer.of(2))
    expect(replies.decode(Buffer.of(1))).toEqual({ accepted: false, code: 'A' })
    expect(tryDecode(replies.decode, Buffer.of(3))).toBeUndefined()
  })

  it('answers a GET with a found flag and the record', () => {
    expect(gets.decode(gets.encode(undefined))).toBeUndefined()
    expect(gets.decode(gets.encode(Buffer.from('xy')))).toEqual(Buffer.from('xy'))
    expect(tryDecode(gets.decode, Buffer.of(1))).toBeUndefined()
    expect(tryDecode(gets.decode, Buffer.of(2, 1))).toBeUndefined()
    expect(tryDecode(gets.decode, Buffer.alloc(10, 1))).toBeUndefined()
  })
})
