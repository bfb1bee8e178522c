import type { BitcoinPayments, ReceivedPayment } from '../../src/node/accounting/bitcoin/payments-api.js'

/**
 * A stand-in for createBitcoinPayments (accounting/bitcoin/payments.ts, another branch): fake
 * addresses per index, BIP21-shaped URIs, and payments the test reports itself (`pay`), as
 * often as it likes, the way a chain source may report one output repeatedly.
 */
export class FakePayments implements BitcoinPayments {
  readonly watchers = new Map<string, Array<(p: ReceivedPayment) => void>>()
  receiveAddress = (index: number): string => `bcrt1qfake${index}`
  request = (index: number, sats: number): { address: string, uri: string } => {
    const address = this.receiveAddress(index)
    return { address, uri: `bitcoin:${address}?amount=${(sats / 1e8).toFixed(8).replace(/\.?0+$/, '')}` }
  }

  watch = (address: string, onPaid: (p: ReceivedPayment) => void): () => void => {
    const list = this.watchers.get(address) ?? []
    list.push(onPaid)
    this.watchers.set(address, list)
    return () => { this.watchers.set(address, (this.watchers.get(address) ?? []).filter(f => f !== onPaid)) }
  }

  tip = async (address: string, sats: number): Promise<{ uri: string }> => ({ uri: `bitcoin:${address}?amount=${sats / 1e8}` })
  start = async (): Promise<void> => {}
  stop = async (): Promise<void> => {}
  /** The chain source reports a confirmed output (as often as it likes). */
  pay (address: string, txid: string, vout: number, sats: number): void {
    for (const f of this.watchers.get(address) ?? []) f({ address, txid, vout, sats, confirmations: 1 })
  }
}

