import { Cause, type CauseValue } from './price.js'
import type { Ledger } from './ledger/ledger.js'

/**
 * Credit for priced service carried as link requests (lookups, kv, mail, radio pushes): each
 * service prices its own exchanges from the request and the reply it decodes (a pure function
 * beside its messages), and one charger enters them in the ledger for both sides alike. Only a
 * request this node made, and the reply to it, or a request it answered, are priced: bytes a
 * peer sends unasked never buy it standing, and handshakes and pings are never priced.
 *
 * Bytes are not entered here: the traffic meter enters each cause's bytes (accounting.ts);
 * these entries carry the credit.
 */
export interface ExchangePrice {
  cause: CauseValue
  /** Which side gave the service: the one that answered (a lookup, a stored record) or the one that asked (a radio push). */
  server: 'answerer' | 'asker'
  credit: number
}

/** Prices one exchange of a service; undefined when it is no priced service (a ping, a refusal, junk). */
export type ExchangePricer = (request: Uint8Array, reply: Uint8Array) => ExchangePrice | undefined

/** Told of every request/reply exchange: `asked` when this node sent the request, `answered` when it replied. */
export type ExchangeHook = (peerHex: string, service: string, role: 'asked' | 'answered', request: Uint8Array, reply: Uint8Array) => void

export function createExchangeCharger (ledger: Ledger, pricers: Readonly<Record<string, ExchangePricer>>, onPriced?: (peerHex: string) => void): ExchangeHook {
  return (peerHex, service, role, request, reply) => {
    const pricer = Object.hasOwn(pricers, service) ? pricers[service] : undefined
    if (pricer === undefined) return
    let price: ExchangePrice | undefined
    try { price = pricer(request, reply) } catch { return } // a pricer never throws into the link
    if (price === undefined || !(price.credit > 0)) return
    // This node gave the service when it answered an answerer-served exchange, or asked an asker-served one.
    const gave = (role === 'answered') === (price.server === 'answerer')
    try {
      ledger.charge(peerHex, price.cause, gave ? 'sent' : 'received', 0, price.credit)
    } catch { return } // not a node id (a test's peer): nothing to book
    // Lookup answers are too many and too small to start anything else (the send-address exchange).
    if (price.cause !== Cause.lookup) onPriced?.(peerHex)
  }
}
