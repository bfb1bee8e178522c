import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { open, type RootDatabase } from 'lmdb'
import { ContactMemory, decodeRecord, encodeRecord } from '../../../src/node/routing/contact-memory.js'
import { makeContact, type Contact } from '../../../src/node/routing/contact.js'
import { nodeIdOf, rankOf } from '../../../src/node/identity/identity.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'

const prng = new Prng(5)
function peer (fields: Partial<Contact> = {}): Contact {
  const publicKey = prng.bytes(32); const nonce = prng.bytes(8)
  return makeContact(nodeIdOf(publicKey), { address: '203.0.113.5', port: 7000 }, {
    publicKey, nonce, rank: rankOf(publicKey, nonce), lastSeen: 1_700_000_000_000, connectedSince: 1_699_000_000_000, rttMs: 42, ...fields
  })
}

let dir: string | undefined
let root: RootDatabase | undefined
afterEach(async () => {
  await root?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  root = undefined; dir = undefined
})

function openDb (): ReturnType<RootDatabase['openDB']> {
  dir = mkdtempSync(join(tmpdir(), 'tornet-routing-'))
  root = open({ path: dir })
  return root.openDB({ name: 'routing-contacts', keyEncoding: 'binary', encoding: 'binary' })
}

describe('ContactMemory', () => {
  it('round-trips a record', () => {
    const c = peer({ contentProvided: 123456789, paymentsMade: 42 })
    const back = decodeRecord(encodeRecord(c))
    expect(back.id).toEqual(c.id)
    expect(back.publicKey).toEqual(c.publicKey)
    expect(back.rank).toBe(c.rank)
    expect(back).toMatchObject({ lastSeen: c.lastSeen, connectedSince: c.connectedSince, rttMs: 42, contentProvided: 123456789, paymentsMade: 42 })
  })

  it('keeps a key learned without its nonce, and still reads version 1 records', async () => {
    const c = peer()
    const keyOnly = decodeRecord(encodeRecord({ ...c, nonce: undefined, rank: 0 }))
    expect(keyOnly).toMatchObject({ id: c.id, publicKey: c.publicKey, rank: 0 })
    const { Writer } = await import('../../../src/node/wire/codec.js')
    const { writeWireContact } = await import('../../../src/node/wire/routing-messages.js')
    const w = new Writer().u8(1)
    writeWireContact(w, { id: c.id, endpoint: c.endpoint, publicKey: c.publicKey, nonce: c.nonce }, true)
    const v1 = w.u64(c.lastSeen).u64(c.connectedSince).u32(42).u64(0).u64(0).finish()
    expect(decodeRecord(v1)).toMatchObject({ id: c.id, publicKey: c.publicKey, rank: c.rank, rttMs: 42, lastSeen: c.lastSeen })
  })

  it('saves the best contacts to LMDB and loads them for the next start', async () => {
    const db = openDb()
    const memory = new ContactMemory(db, 3)
    const contacts = [peer({ contentProvided: 10 }), peer({ contentProvided: 1e9 }), peer({ failures: 2 }), peer(), peer({ paymentsMade: 1e6 })]
    await memory.save(contacts)
    const loaded = memory.load()
    expect(loaded).toHaveLength(3)
    expect(loaded[0].id).toEqual(contacts[1].id) // most content provided first
    expect(loaded.some(c => c.id.equals(contacts[2].id))).toBe(false) // failing contacts are not remembered
    // An offline run (an empty table) forgets nothing.
    await memory.save([])
    expect(memory.load().map(c => c.id)).toEqual(loaded.map(c => c.id))
    // A later save keeps the best of old and new, and forgets a peer now seen failing.
    const better = peer({ contentProvided: 1e12 })
    await memory.save([better, { ...loaded[1], failures: 3 }])
    const next = memory.load().map(c => c.id.toString('hex'))
    expect(next[0]).toBe(better.id.toString('hex'))
    expect(next).not.toContain(loaded[1].id.toString('hex'))
    expect(next).toHaveLength(3)
  })

  it('skips corrupt records instead of throwing', async () => {
    const db = openDb()
    await db.put(Buffer.alloc(32, 1), Buffer.from([1, 2, 3]))
    await db.put(Buffer.alloc(32, 2), encodeRecord(peer()))
    expect(new ContactMemory(db).load()).toHaveLength(1)
  })
})
