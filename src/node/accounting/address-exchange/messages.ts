import { Reader, WireError, Writer } from '../../wire/codec.js'
import { type BitcoinNetwork, isAddress } from '../bitcoin/bip84.js'

/**
 * The ledger service ("ledger"): two peers tell each other their send address, the bitcoin
 * address each wants refunds, tips and donations paid to (the seed's node account keeps it).
 * One request, answered by the same message with the answerer's own address. Both travel in
 * the link session, whose handshake proved each side's node id, so the address is bound to
 * that id as a signature would bind it (and cannot be replayed by anyone else).
 *
 *   ADDRESS  version u8 (= 1) ‖ type u8 (= 0x01) ‖ length u8 (0..90) ‖ address (ASCII)
 *
 * Length 0 means "none configured". The decoder rejects a wrong version, an unknown type, a
 * length over 90, bytes outside printable ASCII, trailing bytes, and an address that does not
 * decode (bech32/bech32m or base58check) on this node's bitcoin network.
 */
export const LEDGER_SERVICE = 'ledger'
export const ADDRESS_MESSAGE_VERSION = 1
export const LedgerMessageType = { address: 0x01 } as const
/** Longest bitcoin address carried: bech32 segwit addresses are at most 90 characters. */
export const MAX_SEND_ADDRESS_CHARS = 90

export interface AddressMessage {
  /** '' when the sender has none. */
  address: string
}

export function encodeAddressMessage (m: AddressMessage): Buffer {
  if (m.address.length > MAX_SEND_ADDRESS_CHARS || !/^[\x21-\x7e]*$/.test(m.address)) throw new RangeError('not a bitcoin address')
  const text = Buffer.from(m.address, 'ascii')
  return new Writer(3 + text.length).u8(ADDRESS_MESSAGE_VERSION).u8(LedgerMessageType.address).bytes8(text).finish()
}

export function decodeAddressMessage (b: Uint8Array, network: BitcoinNetwork): AddressMessage {
  const r = new Reader(b, 'ledger address message')
  const version = r.u8()
  if (version !== ADDRESS_MESSAGE_VERSION) throw new WireError(`ledger address message: unknown version ${version}`)
  const type = r.u8()
  if (type !== LedgerMessageType.address) throw new WireError(`ledger address message: unknown type 0x${type.toString(16)}`)
  const text = r.bytes8(MAX_SEND_ADDRESS_CHARS)
  r.end()
  for (const c of text) if (c < 0x21 || c > 0x7e) throw new WireError('ledger address message: the address is not printable ASCII')
  const address = Buffer.from(text).toString('ascii')
  if (address !== '' && !isAddress(address, network)) throw new WireError(`ledger address message: not a ${network} bitcoin address`)
  return { address }
}
