/**
 * Packets of the reliable-stream sender, and the list of those in flight in
 * the order of their latest transmission. RACK loss detection, the tail
 * probe and the RTO all walk that order from its oldest end; a packet moves
 * to the newest end whenever it is sent again.
 */

export const PacketState = { InFlight: 0, Sacked: 1, Lost: 2, Acked: 3 } as const
export type PacketState = typeof PacketState[keyof typeof PacketState]

export interface SentPacket {
  readonly seq: number
  readonly payload: Buffer
  readonly fin: boolean
  /** Stream offset of payload[0]. */
  readonly byteStart: number
  /** Frame bytes on the wire. */
  readonly size: number
  sentAt: number
  txIndex: number
  /** Transmissions so far. */
  tx: number
  /** Its last ACK may be for an earlier copy: do not time RACK by it. */
  ambiguous: boolean
  state: PacketState
  prev: SentPacket | undefined
  next: SentPacket | undefined
}

export class TransmitOrder {
  first: SentPacket | undefined
  last: SentPacket | undefined

  /** Appends a packet just (re)sent. */
  append (p: SentPacket): void {
    p.prev = this.last
    p.next = undefined
    if (this.last !== undefined) this.last.next = p
    else this.first = p
    this.last = p
  }

  /** Prepends a packet sent before every other one in the list. */
  prepend (p: SentPacket): void {
    p.prev = undefined
    p.next = this.first
    if (this.first !== undefined) this.first.prev = p
    else this.last = p
    this.first = p
  }

  remove (p: SentPacket): void {
    if (p.prev !== undefined) p.prev.next = p.next
    else this.first = p.next
    if (p.next !== undefined) p.next.prev = p.prev
    else this.last = p.prev
    p.prev = p.next = undefined
  }

  clear (): void { this.first = this.last = undefined }
}
