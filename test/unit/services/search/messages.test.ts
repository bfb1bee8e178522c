import { describe, expect, it } from 'vitest'
import {
  MAX_FOUND_TAGS, STORE_STATUS, decodeSearchRequest, decodeSearchResponse, encodeSearchRequest, encodeSearchResponse
} from '../../../../src/node/services/search/messages.js'
import { MAX_TAG_RECORD_BYTES } from '../../../../src/node/services/search/tag-record.js'
import { WireError } from '../../../../src/node/wire/codec.js'

const location = Buffer.alloc(32, 3)

describe('search messages', () => {
  it('round-trip every message', () => {
    for (const m of [{ type: 'tag-store' as const, location, record: Buffer.from('abc') }, { type: 'tag-find' as const, location }]) {
      expect(decodeSearchRequest(encodeSearchRequest(m))).toEqual(m)
    }
    for (const m of [{ type: 'tag-stored' as const, status: STORE_STATUS.full }, { type: 'tag-found' as const, records: [Buffer.from('x'), Buffer.from('yz')] }]) {
      expect(decodeSearchResponse(encodeSearchResponse(m))).toEqual(m)
    }
  })

  it('refuse truncations, trailing bytes, unknown types and statuses, oversized records and counts', () => {
    const req = encodeSearchRequest({ type: 'tag-store', location, record: Buffer.from('abc') })
    for (let n = 0; n < req.length; n++) expect(() => decodeSearchRequest(req.subarray(0, n))).toThrow(WireError)
    expect(() => decodeSearchRequest(Buffer.concat([req, Buffer.of(0)]))).toThrow(WireError)
    expect(() => decodeSearchRequest(Buffer.concat([Buffer.of(9), location]))).toThrow(WireError)
    const big = Buffer.concat([Buffer.of(1), location, Buffer.from([(MAX_TAG_RECORD_BYTES + 1) & 0xff, (MAX_TAG_RECORD_BYTES + 1) >> 8]), Buffer.alloc(MAX_TAG_RECORD_BYTES + 1)])
    expect(() => decodeSearchRequest(big)).toThrow(WireError)
    expect(() => decodeSearchResponse(Buffer.of(2, 99))).toThrow(WireError)
    expect(() => decodeSearchResponse(Buffer.of(4, MAX_FOUND_TAGS + 1))).toThrow(WireError)
    expect(() => decodeSearchResponse(Buffer.of(7))).toThrow(WireError)
  })
})
