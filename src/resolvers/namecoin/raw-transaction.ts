import { createHash } from 'node:crypto'

/**
 * Namecoin raw transactions, as `blockchain.transaction.get` returns them
 * (hex). Namecoin keeps Bitcoin's transaction format; name transactions
 * only use version 0x7100 and a name prefix in one output script.
 *
 *   version    int32 LE
 *   [marker 0x00, flag 0x01]            segwit serialization only
 *   n_in       CompactSize
 *   n_in ×     prev txid (32) · prev index u32 · scriptSig (CompactSize + bytes) · sequence u32
 *   n_out      CompactSize
 *   n_out ×    value u64 LE (satoshi) · scriptPubKey (CompactSize + bytes)
 *   [witness]  per input: item count CompactSize, then items (CompactSize + bytes)
 *   locktime   u32
 *
 * CompactSize: < 0xfd one byte; 0xfd u16; 0xfe u32; 0xff u64; the shortest
 * form is required (as Bitcoin's ReadCompactSize does). The txid is the
 * double SHA-256 of the serialization without marker, flag and witness,
 * shown byte-reversed in hex.
 *
 * Decoding is strict: every length is checked against what is left, no
 * count can allocate more than the bytes could hold, and trailing bytes are
 * refused. Malformed input throws RawTxError and nothing else.
 */

export class RawTxError extends Error {
  override name = 'RawTxError'
}

export interface TxInput { prevTxid: string, prevIndex: number, scriptSig: Buffer, sequence: number, witness: Buffer[] }
export interface TxOutput { value: bigint, script: Buffer }
export interface RawTransaction {
  version: number
  inputs: TxInput[]
  outputs: TxOutput[]
  locktime: number
  segwit: boolean
  /** Hex, byte-reversed as explorers and ElectrumX show it. */
  txid: string
}

/** ElectrumX refuses transactions larger than this anyway; we refuse to parse them. */
export const MAX_RAW_TX_BYTES = 4_000_000

class TxReader {
  private off = 0
  constructor (private readonly buf: Buffer) {}

  get offset (): number { return this.off }
  get remaining (): number { return this.buf.length - this.off }

  private need (n: number, what: string): void {
    if (n > this.remaining) throw new RawTxError(`truncated ${what} at offset ${this.off} (need ${n} bytes, have ${this.remaining})`)
  }

  u8 (what: string): number { this.need(1, what); return this.buf[this.off++] }
  u32 (what: string): number { this.need(4, what); const v = this.buf.readUInt32LE(this.off); this.off += 4; return v }
  i32 (what: string): number { this.need(4, what); const v = this.buf.readInt32LE(this.off); this.off += 4; return v }
  u64 (what: string): bigint { this.need(8, what); const v = this.buf.readBigUInt64LE(this.off); this.off += 8; return v }
  bytes (n: number, what: string): Buffer { this.need(n, what); const v = this.buf.subarray(this.off, this.off + n); this.off += n; return v }
  peek (at: number): number | undefined { return this.buf[this.off + at] }

  compactSize (what: string): number {
    const first = this.u8(what)
    if (first < 0xfd) return first
    let v: number
    let min: number
    if (first === 0xfd) { this.need(2, what); v = this.buf.readUInt16LE(this.off); this.off += 2; min = 0xfd } else if (first === 0xfe) { v = this.u32(what); min = 0x10000 } else {
      const big = this.u64(what)
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RawTxError(`${what} too large`)
      v = Number(big); min = 0x100000000
    }
    if (v < min) throw new RawTxError(`non-canonical CompactSize for ${what} at offset ${this.off}`)
    return v
  }

  /** A count of items that each take at least `minItemBytes`: bounded by what is left. */
  count (what: string, minItemBytes: number): number {
    const n = this.compactSize(what)
    if (n * minItemBytes > this.remaining) throw new RawTxError(`${what} ${n} cannot fit in the ${this.remaining} bytes left`)
    return n
  }

  varBytes (what: string): Buffer { return this.bytes(this.compactSize(what), what) }
}

function doubleSha256 (...parts: Buffer[]): Buffer {
  const first = createHash('sha256')
  for (const p of parts) first.update(p)
  return createHash('sha256').update(first.digest()).digest()
}

/** Byte-reversed hex, the way Bitcoin-family software prints 256-bit hashes. */
export function reversedHex (hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex')
}

export function parseRawTransaction (raw: Buffer): RawTransaction {
  if (raw.length > MAX_RAW_TX_BYTES) throw new RawTxError(`transaction of ${raw.length} bytes exceeds ${MAX_RAW_TX_BYTES}`)
  const r = new TxReader(raw)
  const version = r.i32('version')
  // A zero where the input count belongs, followed by flag 1, marks the segwit serialization
  // (a real transaction never has zero inputs).
  const segwit = r.peek(0) === 0x00 && r.peek(1) === 0x01
  const afterVersion = r.offset
  if (segwit) { r.u8('marker'); r.u8('flag') }
  const bodyStart = r.offset

  const nIn = r.count('input count', 41)
  if (nIn === 0) throw new RawTxError('transaction has no inputs')
  const inputs: TxInput[] = []
  for (let i = 0; i < nIn; i++) {
    const prevTxid = reversedHex(r.bytes(32, `input ${i} prevout hash`))
    const prevIndex = r.u32(`input ${i} prevout index`)
    const scriptSig = r.varBytes(`input ${i} scriptSig`)
    const sequence = r.u32(`input ${i} sequence`)
    inputs.push({ prevTxid, prevIndex, scriptSig, sequence, witness: [] })
  }
  const nOut = r.count('output count', 9)
  const outputs: TxOutput[] = []
  for (let i = 0; i < nOut; i++) {
    const value = r.u64(`output ${i} value`)
    const script = r.varBytes(`output ${i} script`)
    outputs.push({ value, script })
  }
  const bodyEnd = r.offset
  if (segwit) {
    for (const [i, input] of inputs.entries()) {
      const items = r.count(`input ${i} witness item count`, 1)
      for (let k = 0; k < items; k++) input.witness.push(r.varBytes(`input ${i} witness item ${k}`))
    }
  }
  const locktimeAt = r.offset
  const locktime = r.u32('locktime')
  if (r.remaining !== 0) throw new RawTxError(`${r.remaining} trailing bytes after the transaction`)

  const txid = reversedHex(doubleSha256(
    raw.subarray(0, afterVersion),
    raw.subarray(bodyStart, bodyEnd),
    raw.subarray(locktimeAt, locktimeAt + 4)
  ))
  return { version, inputs, outputs, locktime, segwit, txid }
}

/** Hex as ElectrumX sends it; refuses odd lengths and non-hex characters (Buffer.from would silently stop). */
export function decodeHex (hex: string, what: string): Buffer {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RawTxError(`${what} is not hex`)
  return Buffer.from(hex, 'hex')
}
