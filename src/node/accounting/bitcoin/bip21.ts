import { bitcoinError, BitcoinErrorCode } from './errors.js'
import { addressScript, type BitcoinNetwork } from './bip84.js'

/**
 * BIP21 payment URIs:
 *
 *   bitcoin:<address>[?amount=<BTC decimal>][&label=<text>][&message=<text>][&<other>=<v>]
 *
 * The amount is written from integer satoshis with string arithmetic (a float
 * such as 0.1 + 0.2 never appears), "." as the decimal point and no exponent.
 * Label and message are UTF-8, percent-encoded (RFC 3986: a space is %20, "+"
 * stays a plus). A parameter starting with `req-` that we do not know makes the
 * whole URI invalid, as BIP21 requires; other unknown parameters are kept.
 */

export const SATS_PER_BTC = 100_000_000
/** 21 million BTC: no valid amount is larger. */
export const MAX_SATS = 21_000_000 * SATS_PER_BTC
/** Longest URI parsed: a QR code holds at most about 4 KB anyway. */
export const MAX_URI_LENGTH = 4096

/** Integer satoshis → BTC decimal text ("0.00012", "20.3", "50"). */
export function formatBtc (sats: number): string {
  if (!Number.isSafeInteger(sats) || sats < 0 || sats > MAX_SATS) {
    throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `An amount must be a whole number of satoshis from 0 to ${MAX_SATS} (got ${String(sats)}).`)
  }
  const whole = Math.floor(sats / SATS_PER_BTC)
  const frac = String(sats % SATS_PER_BTC).padStart(8, '0').replace(/0+$/, '')
  return frac === '' ? String(whole) : `${whole}.${frac}`
}

/** BTC decimal text → integer satoshis; more than 8 significant decimals, signs, exponents and commas are errors. */
export function parseBtc (text: string): number {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text)
  if (m === null || (m[1] === '' && (m[2] ?? '') === '') || text.length > 32) {
    throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `${JSON.stringify(text.slice(0, 40))} is not a BTC amount (digits with an optional "." and up to 8 decimals).`)
  }
  const fraction = (m[2] ?? '').replace(/0+$/, '')
  if (fraction.length > 8) throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `${text} has more than 8 decimals: it is not a whole number of satoshis.`)
  const whole = m[1].replace(/^0+(?=\d)/, '')
  if (whole.length > 8) throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `${text} BTC is more than 21 million BTC.`)
  const sats = Number(whole === '' ? 0 : whole) * SATS_PER_BTC + Number(fraction.padEnd(8, '0'))
  if (sats > MAX_SATS) throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `${text} BTC is more than 21 million BTC.`)
  return sats
}

export interface PaymentUri {
  address: string
  sats?: number
  label?: string
  message?: string
  /** Other parameters (not `req-`), decoded, in order. */
  other: Array<[string, string]>
}

/** Builds a BIP21 URI. `sats` undefined leaves the amount to the payer. */
export function buildPaymentUri (p: { address: string, sats?: number, label?: string, message?: string }): string {
  const params: string[] = []
  if (p.sats !== undefined) params.push(`amount=${formatBtc(p.sats)}`)
  if (p.label !== undefined && p.label !== '') params.push(`label=${encodeURIComponent(p.label)}`)
  if (p.message !== undefined && p.message !== '') params.push(`message=${encodeURIComponent(p.message)}`)
  return `bitcoin:${p.address}${params.length > 0 ? `?${params.join('&')}` : ''}`
}

/**
 * Parses a BIP21 URI. With `network`, the address must also be valid there. Throws
 * BITCOIN_INVALID_URI (or BITCOIN_INVALID_AMOUNT / BITCOIN_INVALID_ADDRESS) on anything BIP21 forbids.
 */
export function parsePaymentUri (uri: string, network?: BitcoinNetwork): PaymentUri {
  const bad = (why: string): never => { throw bitcoinError(BitcoinErrorCode.INVALID_URI, `Not a valid bitcoin: URI: ${why}.`) }
  if (typeof uri !== 'string' || uri.length > MAX_URI_LENGTH) return bad(`longer than ${MAX_URI_LENGTH} characters`)
  if (!/^bitcoin:/i.test(uri)) bad('it does not start with "bitcoin:"')
  const rest = uri.slice('bitcoin:'.length)
  const q = rest.indexOf('?')
  let address = q === -1 ? rest : rest.slice(0, q)
  if (address.startsWith('//')) bad('"bitcoin://" is not BIP21 (no slashes after the colon)')
  if (!/^[A-Za-z0-9]+$/.test(address)) bad(`the address ${JSON.stringify(address.slice(0, 100))} is empty or has characters no address has`)
  // QR codes carry bech32 addresses upper-case (denser alphanumeric mode); bech32 forbids mixed case.
  if (/^(BC|TB|BCRT)1[A-Z0-9]+$/.test(address)) address = address.toLowerCase()
  if (network !== undefined) addressScript(address, network)
  const out: PaymentUri = { address, other: [] }
  if (q === -1) return out
  const seen = new Set<string>()
  for (const part of rest.slice(q + 1).split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const rawKey = eq === -1 ? part : part.slice(0, eq)
    let key: string
    let value: string
    try {
      key = decodeURIComponent(rawKey)
      value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1))
    } catch {
      return bad(`parameter ${JSON.stringify(rawKey.slice(0, 40))} has a broken percent-encoding`)
    }
    if (seen.has(key)) bad(`parameter ${key} appears twice`)
    seen.add(key)
    if (key === 'amount') out.sats = parseBtc(value)
    else if (key === 'label') out.label = value
    else if (key === 'message') out.message = value
    else if (key.startsWith('req-')) bad(`it requires ${JSON.stringify(key)}, which this wallet does not understand`)
    else out.other.push([key, value])
  }
  return out
}
