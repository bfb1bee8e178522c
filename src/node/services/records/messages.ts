/**
 * The request/reply shape every record kind speaks, each on its own service
 * name (one request, one reply):
 *
 * Request:  type u8, then
 *   0x01 STORE  the record bytes (the rest; their layout is the kind's)
 *   0x02 GET    the key, in the kind's key shape (a 32-byte location, a name…)
 * Reply to STORE:  status u8      0 = accepted, else 1 + the refusal's index in the kind's reason table
 * Reply to GET:    found u8 (0 | 1), then the record bytes (the rest) when 1
 *
 * Built as composable codecs (hyperdht's compact-encoding habit): a kind
 * gives its label, its key shape, its reason table and its largest record,
 * and gets the three encode/decode pairs back. The bytes are the ones kv and
 * names always sent; test/unit/services/kv|names/messages tests pin them.
 */
import { Reader, WireError, Writer } from '../../wire/codec.js'

export const RecordMessageType = { store: 0x01, get: 0x02 } as const

/** How a GET's key is written: its size, its writer (throws RangeError on a bad key), its reader (throws WireError). */
export interface KeyShape<K> {
  size: (key: K) => number
  write: (w: Writer, key: K) => void
  read: (r: Reader) => K
  /** Checks what is read once the message has ended (throws WireError). */
  check?: (key: K) => void
}

/** A 32-byte location (SHA-256 of what the kind addresses). */
export const locationShape: KeyShape<Buffer> = {
  size: () => 32,
  write: (w, key) => {
    if (key.length !== 32) throw new RangeError('location must be 32 bytes')
    w.bytes(key)
  },
  read: r => Buffer.from(r.bytes(32))
}

export type RecordRequest<K> = { type: 'store', record: Buffer } | { type: 'get', key: K }

export interface Codec<T> {
  encode: (m: T) => Buffer
  /** Throws WireError on anything but one well-formed message. */
  decode: (b: Uint8Array) => T
}

export interface RecordRequestSpec<K> {
  /** Names the message in errors: "kv request". */
  label: string
  /** What a STORE carries, for errors: "record", "chain". */
  noun: string
  maxRecordBytes: number
  key: KeyShape<K>
}

/** The request codec of one kind; the STORE record is left encoded. */
export function recordRequestCodec<K> (spec: RecordRequestSpec<K>): Codec<RecordRequest<K>> {
  const maxBytes = 1 + spec.maxRecordBytes
  return {
    encode: m => {
      if (m.type === 'store') return new Writer(1 + m.record.length).u8(RecordMessageType.store).bytes(m.record).finish()
      const w = new Writer(1 + spec.key.size(m.key)).u8(RecordMessageType.get)
      spec.key.write(w, m.key)
      return w.finish()
    },
    decode: b => {
      if (b.length > maxBytes) throw new WireError(`${spec.label}: ${b.length} bytes exceeds ${maxBytes}`)
      const r = new Reader(b, spec.label)
      const type = r.u8()
      if (type === RecordMessageType.store) {
        if (r.remaining === 0) throw new WireError(`${spec.label}: empty ${spec.noun}`)
        return { type: 'store', record: Buffer.from(r.rest()) }
      }
      if (type === RecordMessageType.get) {
        const key = spec.key.read(r)
        r.end()
        spec.key.check?.(key)
        return { type: 'get', key }
      }
      throw new WireError(`${spec.label}: unknown type ${type}`)
    }
  }
}

export type StoreReply<C> = { accepted: true } | { accepted: false, code: C }

/** The STORE reply of one kind: a refusal travels as its index (plus one) in `reasons`, which only ever grows at the end. */
export function storeReplyCodec<C> (label: string, reasons: readonly C[]): Codec<StoreReply<C>> {
  return {
    encode: m => {
      if (m.accepted) return Buffer.of(0)
      const i = reasons.indexOf(m.code)
      if (i < 0) throw new RangeError(`no wire reason for ${String(m.code)}`)
      return Buffer.of(i + 1)
    },
    decode: b => {
      const r = new Reader(b, label)
      const status = r.u8()
      r.end()
      if (status === 0) return { accepted: true }
      const code = reasons[status - 1]
      if (code === undefined) throw new WireError(`${label}: unknown status ${status}`)
      return { accepted: false, code }
    }
  }
}

/** The GET reply of one kind: the encoded record a replica returned, or undefined when it holds none. */
export function getReplyCodec (label: string, noun: string, maxRecordBytes: number): Codec<Buffer | undefined> {
  return {
    encode: record => record === undefined ? Buffer.of(0) : Buffer.concat([Buffer.of(1), record]),
    decode: b => {
      if (b.length > 1 + maxRecordBytes) throw new WireError(`${label}: too long`)
      const r = new Reader(b, label)
      const found = r.u8()
      if (found === 0) { r.end(); return undefined }
      if (found !== 1) throw new WireError(`${label}: bad flag ${found}`)
      if (r.remaining === 0) throw new WireError(`${label}: empty ${noun}`)
      return Buffer.from(r.rest())
    }
  }
}

/** The three codecs of one kind: what its RecordKind carries. */
export interface RecordCodecs<K, C> {
  requests: Codec<RecordRequest<K>>
  storeReplies: Codec<StoreReply<C>>
  getReplies: Codec<Buffer | undefined>
}

export interface RecordCodecSpec<K, C> extends Omit<RecordRequestSpec<K>, 'label'> {
  /** The service name, which labels the messages in errors: "kv" gives "kv request", "kv store reply"… */
  service: string
  /** The refusal reasons in wire order (see storeReplyCodec). */
  reasons: readonly C[]
}

export function recordCodecs<K, C> (spec: RecordCodecSpec<K, C>): RecordCodecs<K, C> {
  return {
    requests: recordRequestCodec({ ...spec, label: `${spec.service} request` }),
    storeReplies: storeReplyCodec(`${spec.service} store reply`, spec.reasons),
    getReplies: getReplyCodec(`${spec.service} get reply`, spec.noun, spec.maxRecordBytes)
  }
}
