import type { BitcoinNetwork } from '../bitcoin/bip84.js'
import type { Ledger } from '../ledger/ledger.js'
import { decodeAddressMessage, encodeAddressMessage } from './messages.js'

/**
 * Send addresses on the wire (messages.ts): a node that has an address to give (its receive
 * address for that peer, from its xpub) tells a peer once per run, the first time credit moves
 * between them for chunks, records, mail, radio or tunnels (lookups alone start nothing: every
 * peer asks those), and the peer answers with its own; each side keeps the other's in its ledger
 * (the books' send address: where refunds, tips and donations to that peer go). A peer with
 * no books here yet is not written down (a stranger cannot make this node open books).
 */
export const MAX_ANNOUNCED = 10_000

export interface AddressExchangeOptions {
  ledger: Ledger
  network: BitcoinNetwork
  /** This node's address for the peer, or undefined when it has none to give (no xpub). */
  ownAddress: (peerHex: string) => Promise<string | undefined>
  log?: (level: 'info' | 'warn', message: string) => void
}

export class AddressExchange {
  /** Peers told this run (bounded; the oldest are forgotten, and told again if credit moves again). */
  private readonly told = new Set<string>()
  /** Sends a request on the ledger service to a peer with an open session; set by the node. */
  send?: (peerHex: string, payload: Buffer) => Promise<Buffer>
  /** Addresses learnt, and messages refused (bad bytes, bad address). */
  learnt = 0
  refused = 0

  constructor (private readonly o: AddressExchangeOptions) {}

  /** The ledger service's request handler: stores the peer's address, answers with ours. Throws on bad bytes (the link answers an error). */
  async handle (peerHex: string, payload: Uint8Array): Promise<Buffer> {
    let address: string
    try {
      address = decodeAddressMessage(payload, this.o.network).address
    } catch (err) {
      this.refused++
      throw err
    }
    await this.keep(peerHex, address)
    return encodeAddressMessage({ address: await this.own(peerHex) })
  }

  /** Credit moved with `peerHex`: tell it our address once (when we have one), and learn its. */
  announce (peerHex: string): void {
    if (this.send === undefined || this.told.has(peerHex)) return
    this.told.add(peerHex)
    if (this.told.size > MAX_ANNOUNCED) this.told.delete(this.told.values().next().value as string)
    this.exchange(peerHex).catch((err: Error) => { this.o.log?.('info', `no send-address exchange with ${peerHex.slice(0, 16)}…: ${err.message}`) })
  }

  /** Tells the peer our address and stores the one it answers with ('' when it has none). Undefined when we have none to give. */
  async exchange (peerHex: string): Promise<string | undefined> {
    const send = this.send
    const mine = await this.own(peerHex)
    if (send === undefined || mine === '') return undefined
    const reply = await send(peerHex, encodeAddressMessage({ address: mine }))
    let address: string
    try {
      address = decodeAddressMessage(reply, this.o.network).address
    } catch (err) {
      this.refused++
      throw err
    }
    await this.keep(peerHex, address)
    return address
  }

  private async own (peerHex: string): Promise<string> {
    try { return (await this.o.ownAddress(peerHex)) ?? '' } catch { return '' }
  }

  private async keep (peerHex: string, address: string): Promise<void> {
    if (address === '') return
    const books = this.o.ledger.get(peerHex)
    if (books === undefined || books.sendAddress === address) return
    await this.o.ledger.setSendAddress(peerHex, address)
    this.learnt++
  }
}
