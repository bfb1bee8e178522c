import { Reader, WireError, Writer } from '../../wire/codec.js'
import { CAUSE_COUNT } from '../price.js'

/**
 * One peer's books, stored in the `ledger` database under its node id (32 bytes), next to
 * the peer account (store/peer-account-codec.ts) that keeps key, rank, contact times, RTT,
 * endpoint and errors. Little-endian:
 *
 *   u8   version            = 1
 *   u32  address index      this node's receive address for the peer is BIP84 …/0/index
 *   u8   flags              bit 0: a payment was asked for (its address is watched after a restart)
 *   u64  restored credit    credit units bought back with bitcoin
 *   u64  paid sats          satoshis received from the peer
 *   u64  first entry        ms since the epoch
 *   u64  last entry         ms since the epoch, ≥ first entry
 *   6 ×  (u64 credit sent, u64 credit received, u64 bytes sent, u64 bytes received)
 *                           one row per cause (price.ts Cause), in cause order
 *   u8 + ascii              the peer's bitcoin address for payments to it ('' when unknown)
 *
 * "Sent" is service this node gave the peer; "received" is service the peer gave this node.
 */
export const LEDGER_RECORD_VERSION = 1
const FLAG_REQUESTED = 1
/** Longest address kept: bech32 segwit addresses are at most 90 characters. */
export const MAX_ADDRESS_CHARS = 90

/** Per cause: credit sent, credit received, bytes sent, bytes received. */
export const ROW = 4
export const CREDIT_SENT = 0
export const CREDIT_RECEIVED = 1
export const BYTES_SENT = 2
export const BYTES_RECEIVED = 3

export interface PeerBooks {
  addressIndex: number
  paymentRequested: boolean
  restoredCredit: number
  paidSats: number
  firstEntry: number
  lastEntry: number
  /** CAUSE_COUNT × ROW counters, row-major by cause. */
  rows: Float64Array
  sendAddress: string
}

export function emptyBooks (addressIndex: number, now: number): PeerBooks {
  return { addressIndex, paymentRequested: false, restoredCredit: 0, paidSats: 0, firstEntry: now, lastEntry: now, rows: new Float64Array(CAUSE_COUNT * ROW), sendAddress: '' }
}

export function encodeBooks (b: PeerBooks): Buffer {
  const w = new Writer(48 + CAUSE_COUNT * ROW * 8 + b.sendAddress.length)
    .u8(LEDGER_RECORD_VERSION)
    .u32(b.addressIndex)
    .u8(b.paymentRequested ? FLAG_REQUESTED : 0)
    .u64(whole(b.restoredCredit))
    .u64(whole(b.paidSats))
    .u64(whole(b.firstEntry))
    .u64(whole(b.lastEntry))
  for (let i = 0; i < CAUSE_COUNT * ROW; i++) w.u64(whole(b.rows[i]))
  return w.string8(b.sendAddress).finish()
}

/** Counters are whole units; a fraction from a caller's price is rounded, never a failed write. */
function whole (v: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(v)))
}

export function decodeBooks (v: Uint8Array): PeerBooks {
  const r = new Reader(v, 'ledger record')
  const version = r.u8()
  if (version !== LEDGER_RECORD_VERSION) throw new WireError(`ledger record: unknown version ${version}`)
  const addressIndex = r.u32()
  const flags = r.u8()
  if ((flags & ~FLAG_REQUESTED) !== 0) throw new WireError(`ledger record: unknown flags ${flags}`)
  const restoredCredit = r.u64()
  const paidSats = r.u64()
  const firstEntry = r.u64()
  const lastEntry = r.u64()
  if (lastEntry < firstEntry) throw new WireError('ledger record: last entry before the first')
  const rows = new Float64Array(CAUSE_COUNT * ROW)
  for (let i = 0; i < rows.length; i++) rows[i] = r.u64()
  const sendAddress = r.string8(MAX_ADDRESS_CHARS)
  r.end()
  return { addressIndex, paymentRequested: (flags & FLAG_REQUESTED) !== 0, restoredCredit, paidSats, firstEntry, lastEntry, rows, sendAddress }
}

/** Service given minus service received minus credit bought back: what the peer owes (negative: what we owe). */
export function owedBy (b: PeerBooks): number {
  let sent = 0
  let received = 0
  for (let c = 0; c < CAUSE_COUNT; c++) { sent += b.rows[c * ROW + CREDIT_SENT]; received += b.rows[c * ROW + CREDIT_RECEIVED] }
  return sent - received - b.restoredCredit
}
