import { hash } from 'node:crypto'
import { reversedHex } from '../raw-transaction.js'

/**
 * Namecoin block headers as ElectrumX serves them (namecoin-core
 * primitives/pureheader.h, auxpow.h):
 *
 *   version u32 · prev hash 32 · merkle root 32 · time u32 · bits u32 · nonce u32   (80 bytes)
 *
 * When version has bit 0x100 (VERSION_AUXPOW) the merged-mining proof follows:
 *
 *   parent coinbase tx       Bitcoin tx serialization (with witness if any)
 *   hashBlock 32             unused by consensus (always ignored)
 *   coinbase branch          CompactSize n, n × 32
 *   coinbase index  i32      always 0 for a coinbase
 *   chain branch             CompactSize n, n × 32
 *   chain index     i32
 *   parent header            80 bytes
 *
 * Hashes are kept in internal byte order (as hashed); hex for people is
 * byte-reversed. The decoder bounds every count, refuses anything that does
 * not fit and throws HeaderDecodeError, nothing else.
 *
 * Speed (a sync verifies ~470,000 of these): fields of decoded headers are
 * views of the input, not copies (the caller does not change its buffer
 * while it uses them; the chain copies the 80 bytes it keeps), and hashing
 * uses one-shot crypto.hash, which allocates no Hash object per call.
 */

export const HEADER_BYTES = 80
export const VERSION_AUXPOW = 0x100
export const VERSION_CHAIN_START = 0x10000
/** Bound on one AuxPoW: real ones are a few kB (a large coinbase); 1 MB refuses abuse. */
export const MAX_AUXPOW_BYTES = 1_000_000
/** Consensus allows at most 30 chain-branch hashes; the coinbase branch of a Bitcoin block stays below 32. */
export const MAX_BRANCH_LENGTH = 32

export class HeaderDecodeError extends Error {
  override name = 'HeaderDecodeError'
}

export interface PureHeader {
  version: number
  prevHash: Buffer
  merkleRoot: Buffer
  time: number
  bits: number
  nonce: number
  /** The 80 bytes as received; the block hash is their double SHA-256. */
  raw: Buffer
  hash: Buffer
}

export interface AuxPow {
  coinbaseTx: Buffer
  coinbaseTxid: Buffer
  /** scriptSig of the coinbase's first input; undefined when it has none. */
  coinbaseScript: Buffer | undefined
  coinbaseBranch: Buffer[]
  coinbaseIndex: number
  chainBranch: Buffer[]
  chainIndex: number
  parent: PureHeader
}

export interface BlockHeader extends PureHeader {
  auxpow?: AuxPow
}

function sha256 (data: Uint8Array): Buffer { return hash('sha256', data, 'buffer') }

/** Scratch for hashing two 32-byte nodes of a Merkle tree without a concatenation per node. */
const pair = Buffer.alloc(64)

export function sha256d (...parts: Uint8Array[]): Buffer {
  if (parts.length === 1) return sha256(sha256(parts[0]))
  if (parts.length === 2 && parts[0].length + parts[1].length <= pair.length) {
    pair.set(parts[0], 0)
    pair.set(parts[1], parts[0].length)
    return sha256(sha256(pair.subarray(0, parts[0].length + parts[1].length)))
  }
  return sha256(sha256(Buffer.concat(parts)))
}

/** Byte-reversed hex, as explorers show hashes (the same helper raw transactions use). */
export const hashHex = reversedHex

export function hashFromHex (hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new HeaderDecodeError(`${hex} is not a 64-digit hash`)
  return Buffer.from(hex, 'hex').reverse()
}

export function chainIdOf (version: number): number {
  return Math.floor((version >>> 0) / VERSION_CHAIN_START)
}

export function isAuxpowVersion (version: number): boolean {
  return (version & VERSION_AUXPOW) !== 0
}

/** A header decoded from a copy of `raw` (safe to keep while `raw` changes). */
export function decodePureHeader (raw: Buffer): PureHeader {
  if (raw.length !== HEADER_BYTES) throw new HeaderDecodeError(`a block header is ${HEADER_BYTES} bytes, got ${raw.length}`)
  return pureHeaderView(Buffer.from(raw))
}

/** A header whose fields are views of the 80 bytes `raw` (no copy). */
function pureHeaderView (raw: Buffer): PureHeader {
  return {
    version: raw.readUInt32LE(0),
    prevHash: raw.subarray(4, 36),
    merkleRoot: raw.subarray(36, 68),
    time: raw.readUInt32LE(68),
    bits: raw.readUInt32LE(72),
    nonce: raw.readUInt32LE(76),
    raw,
    hash: sha256d(raw)
  }
}

/**
 * Copies of `headers` that share two allocations (all the 80-byte parts, all the hashes)
 * instead of holding on to the buffers they were decoded from (AuxPoW included).
 */
export function compactHeaders (headers: readonly PureHeader[]): PureHeader[] {
  const raws = Buffer.allocUnsafe(headers.length * HEADER_BYTES)
  const hashes = Buffer.allocUnsafe(headers.length * 32)
  return headers.map((h, i) => {
    const raw = raws.subarray(i * HEADER_BYTES, (i + 1) * HEADER_BYTES)
    h.raw.copy(raw)
    const hash = hashes.subarray(i * 32, (i + 1) * 32)
    h.hash.copy(hash)
    return { version: h.version, prevHash: raw.subarray(4, 36), merkleRoot: raw.subarray(36, 68), time: h.time, bits: h.bits, nonce: h.nonce, raw, hash }
  })
}

class Reader {
  constructor (private readonly buf: Buffer, public off: number) {}
  need (n: number, what: string): void {
    if (n > this.buf.length - this.off) throw new HeaderDecodeError(`truncated ${what} at offset ${this.off}`)
  }

  bytes (n: number, what: string): Buffer { this.need(n, what); const b = this.buf.subarray(this.off, this.off + n); this.off += n; return b }
  u8 (what: string): number { return this.bytes(1, what)[0] }
  u32 (what: string): number { return this.bytes(4, what).readUInt32LE(0) }
  i32 (what: string): number { return this.bytes(4, what).readInt32LE(0) }
  compactSize (what: string): number {
    const first = this.u8(what)
    if (first < 0xfd) return first
    if (first === 0xfd) { const v = this.bytes(2, what).readUInt16LE(0); if (v < 0xfd) throw new HeaderDecodeError(`non-canonical ${what}`); return v }
    if (first === 0xfe) { const v = this.u32(what); if (v < 0x10000) throw new HeaderDecodeError(`non-canonical ${what}`); return v }
    throw new HeaderDecodeError(`${what} too large`)
  }

  varBytes (what: string): Buffer { return this.bytes(this.compactSize(what), what) }
  branch (what: string): Buffer[] {
    const n = this.compactSize(what)
    if (n > MAX_BRANCH_LENGTH) throw new HeaderDecodeError(`${what} of ${n} hashes exceeds ${MAX_BRANCH_LENGTH}`)
    const out: Buffer[] = []
    for (let i = 0; i < n; i++) out.push(this.bytes(32, what))
    return out
  }
}

/**
 * Walks the parent coinbase (Bitcoin's transaction format, as raw-transaction.ts reads it,
 * with the same canonical-size and bounds rules) and takes what the AuxPoW check needs
 * on the way: its txid (the double SHA-256 without segwit marker, flag and witnesses)
 * and the scriptSig of its first input, without a second parse or hex round trip.
 */
function readCoinbase (r: Reader, buf: Buffer): { txid: Buffer, script: Buffer | undefined } {
  const start = r.off
  r.bytes(4, 'coinbase version')
  const afterVersion = r.off
  const segwit = buf[r.off] === 0 && buf[r.off + 1] === 1
  if (segwit) r.off += 2
  const bodyStart = r.off
  const nIn = r.compactSize('coinbase input count')
  if (nIn * 41 > buf.length - r.off) throw new HeaderDecodeError(`AuxPoW coinbase: input count ${nIn} cannot fit`)
  let script: Buffer | undefined
  for (let i = 0; i < nIn; i++) {
    r.bytes(36, 'coinbase prevout')
    const sig = r.varBytes('coinbase scriptSig')
    if (i === 0) script = sig
    r.bytes(4, 'coinbase sequence')
  }
  const nOut = r.compactSize('coinbase output count')
  if (nOut * 9 > buf.length - r.off) throw new HeaderDecodeError(`AuxPoW coinbase: output count ${nOut} cannot fit`)
  for (let i = 0; i < nOut; i++) { r.bytes(8, 'coinbase output value'); r.varBytes('coinbase output script') }
  const bodyEnd = r.off
  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = r.compactSize('coinbase witness count')
      for (let k = 0; k < items; k++) r.varBytes('coinbase witness item')
    }
  }
  const locktimeAt = r.off
  r.bytes(4, 'coinbase locktime')
  if (r.off - start > MAX_AUXPOW_BYTES) throw new HeaderDecodeError(`AuxPoW coinbase of ${r.off - start} bytes exceeds ${MAX_AUXPOW_BYTES}`)
  // A coinbase without inputs is invalid as a transaction but must still decode, so that
  // the AuxPoW check can refuse it with its own reason.
  if (nIn === 0) return { txid: sha256d(buf.subarray(start, r.off)), script: undefined }
  const txid = !segwit
    ? sha256d(buf.subarray(start, r.off))
    : sha256d(Buffer.concat([buf.subarray(start, afterVersion), buf.subarray(bodyStart, bodyEnd), buf.subarray(locktimeAt, locktimeAt + 4)]))
  return { txid, script }
}

function decodeAuxPow (buf: Buffer, start: number): { auxpow: AuxPow, end: number } {
  const r = new Reader(buf, start)
  const { txid: coinbaseTxid, script: coinbaseScript } = readCoinbase(r, buf)
  const coinbaseTx = buf.subarray(start, r.off)
  r.bytes(32, 'AuxPoW hashBlock')
  const coinbaseBranch = r.branch('AuxPoW coinbase branch')
  const coinbaseIndex = r.i32('AuxPoW coinbase index')
  const chainBranch = r.branch('AuxPoW chain branch')
  const chainIndex = r.i32('AuxPoW chain index')
  const parent = pureHeaderView(r.bytes(HEADER_BYTES, 'AuxPoW parent header'))
  if (r.off - start > MAX_AUXPOW_BYTES) throw new HeaderDecodeError(`AuxPoW of ${r.off - start} bytes exceeds ${MAX_AUXPOW_BYTES}`)
  return { auxpow: { coinbaseTx, coinbaseTxid, coinbaseScript, coinbaseBranch, coinbaseIndex, chainBranch, chainIndex, parent }, end: r.off }
}

/**
 * Decodes one header at `offset` of `buf` (which may hold several, back to back).
 * The header's fields are views of `buf`.
 * `truncated`: ElectrumX serves headers at or below its checkpoint as 80 bytes without AuxPoW.
 */
export function decodeHeaderAt (buf: Buffer, offset: number, opts: { truncated?: boolean } = {}): { header: BlockHeader, end: number } {
  if (buf.length - offset < HEADER_BYTES) throw new HeaderDecodeError(`truncated block header at offset ${offset}`)
  const header: BlockHeader = pureHeaderView(buf.subarray(offset, offset + HEADER_BYTES))
  const end = offset + HEADER_BYTES
  if (opts.truncated === true || !isAuxpowVersion(header.version)) return { header, end }
  const { auxpow, end: auxEnd } = decodeAuxPow(buf, end)
  header.auxpow = auxpow
  return { header, end: auxEnd }
}

/** Exactly one header; trailing bytes are refused. */
export function decodeHeader (buf: Buffer, opts: { truncated?: boolean } = {}): BlockHeader {
  const { header, end } = decodeHeaderAt(buf, 0, opts)
  if (end !== buf.length) throw new HeaderDecodeError(`${buf.length - end} trailing bytes after the block header`)
  return header
}

/** A run of headers back to back, as blockchain.block.headers returns them; at most `max`. */
export function decodeHeaders (buf: Buffer, max: number, opts: { truncated?: boolean } = {}): BlockHeader[] {
  const out: BlockHeader[] = []
  let off = 0
  while (off < buf.length) {
    if (out.length >= max) throw new HeaderDecodeError(`more than the ${max} headers asked for`)
    const { header, end } = decodeHeaderAt(buf, off, opts)
    out.push(header)
    off = end
  }
  return out
}
