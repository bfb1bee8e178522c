import { describe, expect, it } from 'vitest'
import {
  MAILBOX_RECORD_BYTES, RECORD_LIFETIME_MS, checkMailboxRecord, compareMailboxRecords, decodeMailboxRecord,
  encodeMailboxRecord, signMailboxRecord
} from '../../../../../src/node/services/mail/host/mailbox-record.js'
import { MailboxRecordStore, acceptableMailboxRecord, mailboxRecordCodecs } from '../../../../../src/node/services/mail/host/mailbox-records.js'
import { testMailbox } from './fixtures.js'

const T = 1_800_000_000_000

function recordOf (keys = testMailbox(), at = T, seq = at): ReturnType<typeof signMailboxRecord> {
  return signMailboxRecord(keys.signingSecret, { signingKey: keys.signingKey, encryptionKey: keys.encryptionKey, issuedAt: at, seq })
}

describe('mailbox record', () => {
  it('round-trips and verifies; every byte of the signed body matters', () => {
    const keys = testMailbox()
    const r = recordOf(keys)
    const bytes = encodeMailboxRecord(r)
    expect(bytes.length).toBe(MAILBOX_RECORD_BYTES)
    expect(decodeMailboxRecord(bytes)).toEqual(r)
    expect(checkMailboxRecord(r, T)).toBeUndefined()
    for (const i of [1, 40, 66, 74, 100]) {
      const bad = Buffer.from(bytes); bad[i] ^= 1
      expect(checkMailboxRecord(decodeMailboxRecord(bad), T)).toBe('MAIL_RECORD_INVALID')
    }
    expect(acceptableMailboxRecord(bytes, keys.id, T)).toEqual(r)
    expect(acceptableMailboxRecord(bytes, testMailbox().id, T)).toBeUndefined()
  })

  it('rejects truncated, padded and unknown-version bytes', () => {
    const bytes = encodeMailboxRecord(recordOf())
    expect(() => decodeMailboxRecord(bytes.subarray(1))).toThrow()
    expect(() => decodeMailboxRecord(Buffer.concat([bytes, Buffer.of(0)]))).toThrow()
    const v = Buffer.from(bytes); v[0] = 2
    expect(() => decodeMailboxRecord(v)).toThrow(/version/)
  })

  it('expires after its lifetime and refuses a future issue', () => {
    const r = recordOf()
    expect(checkMailboxRecord(r, T + RECORD_LIFETIME_MS)).toBe('MAIL_RECORD_INVALID')
    expect(checkMailboxRecord(r, T - 3600_000)).toBe('MAIL_RECORD_INVALID')
  })

  it('the store keeps the newest, refuses stale and bounds itself', () => {
    let now = T
    const store = new MailboxRecordStore({ now: () => now, maxRecords: 2 })
    const keys = testMailbox()
    expect(store.offer(recordOf(keys, T, 5))).toEqual({ accepted: true })
    expect(store.offer(recordOf(keys, T, 4))).toEqual({ accepted: false, code: 'MAIL_RECORD_STALE' })
    expect(store.offer(recordOf(keys, T, 6))).toEqual({ accepted: true })
    expect(store.get(keys.id)?.seq).toBe(6)
    expect(store.offer(recordOf())).toEqual({ accepted: true })
    expect(store.offer(recordOf())).toEqual({ accepted: false, code: 'MAIL_RECORD_STORE_FULL' })
    now = T + RECORD_LIFETIME_MS
    expect(store.get(keys.id)).toBeUndefined()
    expect(store.offer(recordOf(testMailbox(), now))).toEqual({ accepted: true })
    expect(compareMailboxRecords(recordOf(keys, T, 2), recordOf(keys, T, 1))).toBe(1)
  })

  it('persists what it holds and reads it back', () => {
    const disk = new Map<string, Buffer>()
    const persistence = { load: () => disk.values(), save: (k: Buffer, v: Buffer) => { disk.set(k.toString('hex'), v) }, remove: (k: Buffer) => { disk.delete(k.toString('hex')) } }
    const a = new MailboxRecordStore({ now: () => T, persistence })
    const keys = testMailbox()
    a.offer(recordOf(keys))
    disk.set('junk', Buffer.from('nonsense'))
    const b = new MailboxRecordStore({ now: () => T, persistence })
    expect(b.get(keys.id)?.encryptionKey).toEqual(keys.encryptionKey)
    expect(b.loadStats).toMatchObject({ loaded: 1, invalid: 1 })
  })

  it('store replies carry the refusal code', () => {
    const c = mailboxRecordCodecs.storeReplies
    expect(c.decode(c.encode({ accepted: false, code: 'MAIL_RECORD_STALE' }))).toEqual({ accepted: false, code: 'MAIL_RECORD_STALE' })
    expect(() => c.decode(Buffer.of(99))).toThrow()
  })
})
