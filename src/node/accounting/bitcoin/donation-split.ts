import { bitcoinError, BitcoinErrorCode } from './errors.js'
import { MAX_SATS } from './bip21.js'

/**
 * Splits a donation the user chose among peers in proportion to the service
 * each gave (issue 19, item 5). Whole satoshis, largest-remainder rounding, so
 * the parts always add up to the donation exactly. An output below the dust
 * limit would not relay, so while some part is below it the peer that gave the
 * least is left out and the rest is split again: a small donation goes to the
 * few who gave most rather than nowhere.
 */

/** Bitcoin Core's dust limit for the largest standard output type; P2WPKH alone would allow 294. */
export const DEFAULT_DUST_SATS = 546

export function splitDonation (totalSats: number, service: ReadonlyMap<string, number>, dustSats = DEFAULT_DUST_SATS): Map<string, number> {
  if (!Number.isSafeInteger(totalSats) || totalSats < 0 || totalSats > MAX_SATS) {
    throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `A donation must be a whole number of satoshis up to 21 million BTC (got ${String(totalSats)}).`)
  }
  // Heaviest first, ties by key, so the result does not depend on map order.
  let peers = [...service].filter(([, w]) => Number.isFinite(w) && w > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  while (peers.length > 0) {
    const parts = largestRemainder(totalSats, peers)
    if (parts.every(([, sats]) => sats >= dustSats)) return new Map(parts)
    peers = peers.slice(0, -1)
  }
  return new Map()
}

function largestRemainder (total: number, peers: Array<[string, number]>): Array<[string, number]> {
  const sum = peers.reduce((s, [, w]) => s + w, 0)
  const exact = peers.map(([k, w]) => ({ k, x: total * (w / sum) }))
  const parts = exact.map(e => ({ k: e.k, sats: Math.floor(e.x), frac: e.x - Math.floor(e.x) }))
  let left = total - parts.reduce((s, p) => s + p.sats, 0)
  // Float error can leave `left` a little off either way: hand out or take back one satoshi at a time.
  const order = [...parts].sort((a, b) => b.frac - a.frac)
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) order[i].sats++
  for (let i = order.length - 1; left < 0; i = (i - 1 + order.length) % order.length) {
    if (order[i].sats > 0) { order[i].sats--; left++ }
  }
  return parts.map(p => [p.k, p.sats])
}
