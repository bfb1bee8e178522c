import { createHash } from 'node:crypto'
import { RawTxError, parseRawTransaction, reversedHex } from '../raw-transaction.js'

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

export function sha256d (...parts: Uint8Array[]): Buffer {
  const first = createHash('sha256')
  for (const p of parts) first.update(p)
  return createHash('sha256').update(first.digest()).digest()
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

export function decodePureHeader (raw: Buffer): PureHeader {
  if (raw.length !== HEADER_BYTES) throw new HeaderDecodeError(`a block header is ${HEADER_BYTES} bytes, got ${raw.length}`)
  const copy = Buffer.from(raw)
  return {
    version: copy.readUInt32LE(0),
    prevHash: copy.subarray(4, 36),
    merkleRoot: copy.subarray(36, 68),
    time: copy.readUInt32LE(68),
    bits: copy.readUInt32LE(72),
    nonce: copy.readUInt32LE(76),
    raw: copy,
    hash: sha256d(copy)
  }
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
    for (let i = 0; i < n; i++) out.push(Buffer.from(this.bytes(32, what)))
    return out
  }
}

/** Finds where a serialized transaction starting at r.off ends (the tx parser wants exact bounds). */
function skipTransaction (r: Reader): void {
  r.bytes(4, 'coinbase version')
  const save = r.off
  const segwit = r.u8('coinbase input count') === 0 && r.u8('coinbase flag') === 1
  if (!segwit) r.off = save
  const nIn = r.compactSize('coinbase input count')
  for (let i = 0; i < nIn; i++) { r.bytes(36, 'coinbase prevout'); r.varBytes('coinbase scriptSig'); r.bytes(4, 'coinbase sequence') }
  const nOut = r.compactSize('coinbase output count')
  for (let i = 0; i < nOut; i++) { r.bytes(8, 'coinbase output value'); r.varBytes('coinbase output script') }
  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = r.compactSize('coinbase witness count')
      for (let k = 0; k < items; k++) r.varBytes('coinbase witness item')
    }
  }
  r.bytes(4, 'coinbase locktime')
}

function decodeAuxPow (buf: Buffer, start: number): { auxpow: AuxPow, end: number } {
  const r = new Reader(buf, start)
  skipTransaction(r)
  if (r.off - start > MAX_AUXPOW_BYTES) throw new HeaderDecodeError(`AuxPoW coinbase of ${r.off - start} bytes exceeds ${MAX_AUXPOW_BYTES}`)
  const coinbaseTx = Buffer.from(buf.subarray(start, r.off))
  let coinbaseTxid: Buffer
  let coinbaseScript: Buffer | undefined
  try {
    const tx = parseRawTransaction(coinbaseTx)
    coinbaseTxid = hashFromHex(tx.txid)
    coinbaseScript = tx.inputs[0]?.scriptSig
  } catch (err) {
    // A coinbase without inputs is invalid as a transaction but must still decode, so that
    // the AuxPoW check can refuse it with its own reason.
    if (!(err instanceof RawTxError)) throw err
    if (!/no inputs/.test(err.message)) throw new HeaderDecodeError(`AuxPoW coinbase: ${err.message}`)
    coinbaseTxid = sha256d(coinbaseTx)
    coinbaseScript = undefined
  }
  r.bytes(32, 'AuxPoW hashBlock')
  const coinbaseBranch = r.branch('AuxPoW coinbase branch')
  const coinbaseIndex = r.i32('AuxPoW coinbase index')
  const chainBranch = r.branch('AuxPoW chain branch')
  const chainIndex = r.i32('AuxPoW chain index')
  const parent = decodePureHeader(r.bytes(HEADER_BYTES, 'AuxPoW parent header'))
  if (r.off - start > MAX_AUXPOW_BYTES) throw new HeaderDecodeError(`AuxPoW of ${r.off - start} bytes exceeds ${MAX_AUXPOW_BYTES}`)
  return { auxpow: { coinbaseTx, coinbaseTxid, coinbaseScript, coinbaseBranch, coinbaseIndex, chainBranch, chainIndex, parent }, end: r.off }
}

/**
 * Decodes one header at `offset` of `buf` (which may hold several, back to back).
 * `truncated`: ElectrumX serves headers at or below its checkpoint as 80 bytes without AuxPoW.
 */
export function decodeHeaderAt (buf: Buffer, offset: number, opts: { truncated?: boolean } = {}): { header: BlockHeader, end: number } {
  if (buf.length - offset < HEADER_BYTES) throw new HeaderDecodeError(`truncated block header at offset ${offset}`)
  const pure = decodePureHeader(buf.subarray(offset, offset + HEADER_BYTES))
  const end = offset + HEADER_BYTES
  if (opts.truncated === true || !isAuxpowVersion(pure.version)) return { header: pure, end }
  const { auxpow, end: auxEnd } = decodeAuxPow(buf, end)
  return { header: { ...pure, auxpow }, end: auxEnd }
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
