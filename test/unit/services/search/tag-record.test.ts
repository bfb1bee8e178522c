import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { SearchErrorCode } from '../../../../src/node/services/search/errors.js'
import { STORE_STATUS } from '../../../../src/node/services/search/messages.js'
import { TagHolder } from '../../../../src/node/services/search/tag-holder.js'
import { locationsOf } from '../../../../src/node/services/search/tag-locations.js'
import {
  MAX_TAG_RECORD_BYTES, checkTagRecord, decodeTagRecord, encodeTagRecord, signTagRecord, targetLocation, wordLocation
} from '../../../../src/node/services/search/tag-record.js'
import { WireError } from '../../../../src/node/wire/codec.js'

const me = generateIdentity()
const target = { id: Buffer.alloc(32, 7), key: Buffer.alloc(32, 8) }
const NOW = 1_800_000_000_000

describe('tag records', () => {
  it('round-trip, and verify under the tagger key and the search/tag namespace only', () => {
    const r = signTagRecord(me, target, ['music', 'jazz'], NOW)
    const bytes = encodeTagRecord(r)
    const back = decodeTagRecord(bytes)
    expect(back).toEqual(r)
    expect(checkTagRecord(back, NOW)).toBeUndefined()
    const forged = Buffer.from(bytes); forged[bytes.length - 70] ^= 1 // a byte of the time
    expect(checkTagRecord(decodeTagRecord(forged), NOW)).toBe(SearchErrorCode.TAG_BAD_SIGNATURE)
  })

  it('refuses unsigned, oversized, targetless, wordless and unnormalised records', () => {
    const bytes = encodeTagRecord(signTagRecord(me, target, ['music'], NOW))
    expect(() => decodeTagRecord(bytes.subarray(0, bytes.length - 64))).toThrow(WireError) // no signature
    expect(() => decodeTagRecord(Buffer.concat([bytes, Buffer.alloc(MAX_TAG_RECORD_BYTES)]))).toThrow(WireError)
    const targetless = encodeTagRecord(signTagRecord(me, { id: Buffer.alloc(32), key: Buffer.alloc(32, 1) }, ['music'], NOW))
    expect(() => decodeTagRecord(targetless)).toThrow(WireError)
    const noWords = Buffer.from(bytes); noWords[1 + 32 + 8 + 64 + 8] = 0
    expect(() => decodeTagRecord(noWords)).toThrow(WireError)
    const upper = encodeTagRecord({ ...signTagRecord(me, target, ['music'], NOW), words: ['Music'] })
    expect(() => decodeTagRecord(upper)).toThrow(WireError)
    for (let n = 0; n < bytes.length; n++) expect(() => decodeTagRecord(bytes.subarray(0, n))).toThrow(WireError)
  })

  it('refuses records from the future', () => {
    const r = signTagRecord(me, target, ['music'], NOW + 3600_000)
    expect(checkTagRecord(r, NOW)).toBe(SearchErrorCode.TAG_FROM_FUTURE)
  })

  it('lives at each word and at the target root id', () => {
    const r = signTagRecord(me, target, ['music', 'jazz'], NOW)
    expect(locationsOf(r)).toEqual([wordLocation('music'), wordLocation('jazz'), targetLocation(target.id)])
  })
})

describe('TagHolder', () => {
  it('keeps valid tags at their locations, newest per tagger and target', () => {
    const holder = new TagHolder({ now: () => NOW })
    const old = encodeTagRecord(signTagRecord(me, target, ['music'], NOW - 10))
    const fresh = encodeTagRecord(signTagRecord(me, target, ['music'], NOW))
    expect(holder.offer(wordLocation('music'), old)).toBe(STORE_STATUS.stored)
    expect(holder.offer(wordLocation('music'), fresh)).toBe(STORE_STATUS.stored)
    expect(holder.offer(wordLocation('music'), old)).toBe(STORE_STATUS.stored) // older: kept the newer
    expect(holder.find(wordLocation('music')).map(h => h.record.time)).toEqual([NOW])
  })

  it('refuses bad bytes, bad signatures, wrong locations, and beyond its bounds', () => {
    const holder = new TagHolder({ now: () => NOW, maxPerLocation: 2, maxLocations: 3 })
    const good = encodeTagRecord(signTagRecord(me, target, ['music'], NOW))
    expect(holder.offer(wordLocation('music'), Buffer.from('junk'))).toBe(STORE_STATUS.malformed)
    const bad = Buffer.from(good); bad[bad.length - 1] ^= 1
    expect(holder.offer(wordLocation('music'), bad)).toBe(STORE_STATUS.badSignature)
    expect(holder.offer(wordLocation('jazz'), good)).toBe(STORE_STATUS.malformed)
    for (let i = 0; i < 2; i++) {
      expect(holder.offer(wordLocation('music'), encodeTagRecord(signTagRecord(generateIdentity(), target, ['music'], NOW)))).toBe(STORE_STATUS.stored)
    }
    expect(holder.offer(wordLocation('music'), good)).toBe(STORE_STATUS.full)
    for (const w of ['aa', 'bb', 'cc', 'dd']) holder.offer(wordLocation(w), encodeTagRecord(signTagRecord(me, target, [w], NOW)))
    expect(holder.locations).toBe(3)
  })

  it('holds at most maxPerTagger tags of one key, so one key cannot fill the table; evicted ones free its share', () => {
    const holder = new TagHolder({ now: () => NOW, maxPerTagger: 3, maxLocations: 8 })
    const spammer = generateIdentity()
    const targets = Array.from({ length: 10 }, (_, i) => ({ id: Buffer.alloc(32, 100 + i), key: Buffer.alloc(32, 8) }))
    const statuses = targets.map(t => holder.offer(targetLocation(t.id), encodeTagRecord(signTagRecord(spammer, t, ['spam'], NOW))))
    expect(statuses.filter(s => s === STORE_STATUS.stored)).toHaveLength(3)
    expect(statuses.slice(3).every(s => s === STORE_STATUS.full)).toBe(true)
    expect(holder.heldFrom(spammer.publicKey)).toBe(3)
    // Another tagger is untouched by the spammer's flood.
    expect(holder.offer(wordLocation('music'), encodeTagRecord(signTagRecord(me, target, ['music'], NOW)))).toBe(STORE_STATUS.stored)
    // A newer tag in a slot the spammer holds replaces it and counts once.
    expect(holder.offer(targetLocation(targets[0]!.id), encodeTagRecord(signTagRecord(spammer, targets[0]!, ['spam'], NOW + 1)))).toBe(STORE_STATUS.stored)
    expect(holder.heldFrom(spammer.publicKey)).toBe(3)
    // Locations pushed out by others (least recently stored first) give the spammer's share back.
    for (let i = 0; i < 8; i++) holder.offer(wordLocation(`w${i}`), encodeTagRecord(signTagRecord(generateIdentity(), target, [`w${i}`], NOW)))
    expect(holder.heldFrom(spammer.publicKey)).toBe(0)
  })
})
