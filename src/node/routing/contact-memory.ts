import { Reader, tryDecode, Writer } from '../wire/codec.js'
import { readDhtContact, readWireContact, writeDhtContact } from '../wire/routing-messages.js'
import { compareContacts, makeContact, type Contact } from './contact.js'
import { contactFromWire, contactToWire } from './wire-contact.js'

/**
 * The peers a node remembers between runs, kept in an LMDB sub-database
 * (key: node id, value: the record below), so the next start can bootstrap
 * without the configured seeds. Only the best `maxSaved` contacts by the
 * seed's order are kept; a corrupt record is skipped, never thrown.
 *
 *  record = version u8 (2) | contact | lastSeen u64 | connectedSince u64
 *           | rttMs u32 (0 = unknown) | contentProvided u64 | paymentsMade u64
 *
 * where contact is the DHT message form (by key when known, with the nonce
 * when known). Version 1 records (the long form: id, then key and nonce) are
 * still read.
 */
export interface ContactDb {
  getRange (options?: { limit?: number }): Iterable<{ key: unknown, value: unknown }>
  put (key: Buffer, value: Buffer): Promise<boolean>
  remove (key: Buffer): Promise<boolean>
}

const VERSION = 2
const VERSION_LONG_CONTACT = 1

export class ContactMemory {
  constructor (private readonly db: ContactDb, private readonly maxSaved = 256) {}

  /** Remembered contacts, best first. */
  load (limit = this.maxSaved): Contact[] {
    const out: Contact[] = []
    for (const { value } of this.db.getRange({ limit: this.maxSaved * 2 })) {
      if (!(value instanceof Uint8Array)) continue
      const c = tryDecode(decodeRecord, value)
      if (c !== undefined) out.push(c)
    }
    const now = Date.now()
    return out.sort((a, b) => compareContacts(a, b, now)).slice(0, limit)
  }

  /** Replaces the remembered set with the best of `contacts`. */
  /**
   * Remembers the best of `contacts` together with what was remembered before
   * (the current view wins for a peer in both), so a short or offline run
   * never erases the peers a later start needs to bootstrap from.
   */
  async save (contacts: Contact[]): Promise<void> {
    const now = Date.now()
    const merged = new Map<string, Contact>()
    for (const c of this.load()) merged.set(c.id.toString('hex'), c)
    for (const c of contacts) {
      if (c.failures === 0) merged.set(c.id.toString('hex'), c)
      else merged.delete(c.id.toString('hex')) // known now to be failing: forget it
    }
    const keep = [...merged.values()].sort((a, b) => compareContacts(a, b, now)).slice(0, this.maxSaved)
    const keepKeys = new Set(keep.map(c => c.id.toString('hex')))
    const stale: Buffer[] = []
    for (const { key } of this.db.getRange()) {
      if (key instanceof Uint8Array && !keepKeys.has(Buffer.from(key).toString('hex'))) stale.push(Buffer.from(key))
    }
    await Promise.all([
      ...stale.map(async k => await this.db.remove(k)),
      ...keep.map(async c => await this.db.put(c.id, encodeRecord(c)))
    ])
  }
}

export function encodeRecord (c: Contact): Buffer {
  const w = new Writer(128).u8(VERSION)
  writeDhtContact(w, contactToWire(c, true, true))
  return w.u64(Math.max(0, Math.floor(c.lastSeen)))
    .u64(Math.max(0, Math.floor(c.connectedSince)))
    .u32(Math.min(0xffffffff, Math.max(0, Math.round(c.rttMs ?? 0))))
    .u64(Math.max(0, Math.floor(c.contentProvided)))
    .u64(Math.max(0, Math.floor(c.paymentsMade)))
    .finish()
}

export function decodeRecord (b: Uint8Array): Contact {
  const r = new Reader(b, 'contact record')
  const version = r.u8()
  if (version !== VERSION && version !== VERSION_LONG_CONTACT) throw new RangeError('contact record: unknown version')
  const wire = version === VERSION ? readDhtContact(r) : readWireContact(r)
  const lastSeen = r.u64(); const connectedSince = r.u64(); const rtt = r.u32()
  const contentProvided = r.u64(); const paymentsMade = r.u64()
  r.end()
  const base = contactFromWire(wire) ?? makeContact(Buffer.alloc(0), wire.endpoint)
  return { ...base, lastSeen, connectedSince, rttMs: rtt > 0 ? rtt : undefined, contentProvided, paymentsMade }
}
