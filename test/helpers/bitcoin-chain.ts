import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto'
import { HDKey } from '@scure/bip32'
import { Address, OutScript, TEST_NETWORK, Transaction } from '@scure/btc-signer'
import type { ElectrumxChain } from './electrumx-server.js'

/**
 * Keys and transactions for the Bitcoin payment tests, made with the libraries
 * (not with the code under test): a regtest account tpub from the BIP84 test
 * mnemonic, and real transactions (unsigned: nothing here checks scripts) that
 * the Electrum test server serves by script hash.
 */

export const REGTEST = { ...TEST_NETWORK, bech32: 'bcrt' }
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

/** The regtest account m/84'/1'/0' of the BIP84 test mnemonic, as a tpub. */
export function regtestTpub (): string {
  const seed = pbkdf2Sync(MNEMONIC, 'mnemonic', 2048, 64, 'sha512')
  const acct = HDKey.fromMasterSeed(seed).derive("m/84'/1'/0'")
  return new HDKey({ versions: { private: 0x04358394, public: 0x043587cf }, publicKey: acct.publicKey!, chainCode: acct.chainCode!, depth: 3, index: acct.index, parentFingerprint: acct.parentFingerprint }).publicExtendedKey
}

/** Electrum's script hash of an address, computed here on its own. */
export function electrumScriptHash (address: string): string {
  const script = OutScript.encode(Address(REGTEST).decode(address))
  return Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex')
}

/** A transaction whose outputs pay `outputs` in order; returns its raw hex and txid. */
export function buildPayment (outputs: Array<{ address: string, sats: number }>): { hex: string, txid: string } {
  const tx = new Transaction({ allowUnknownInputs: true, allowUnknownOutputs: true })
  tx.addInput({ txid: randomBytes(32), index: 0, finalScriptSig: new Uint8Array(0) })
  for (const o of outputs) tx.addOutputAddress(o.address, BigInt(o.sats), REGTEST)
  const raw = tx.toBytes(true, false)
  return { hex: Buffer.from(raw).toString('hex'), txid: Transaction.fromRaw(raw, { allowUnknownInputs: true, allowUnknownOutputs: true }).id }
}

/** Records a payment in the Electrum test chain at `height` (0: mempool), under every paid address's history. */
export function addPayment (chain: ElectrumxChain, outputs: Array<{ address: string, sats: number }>, height: number): string {
  const { hex, txid } = buildPayment(outputs)
  chain.transactions.set(txid, hex)
  for (const address of new Set(outputs.map(o => o.address))) {
    const sh = electrumScriptHash(address)
    const history = chain.histories.get(sh) ?? []
    history.push({ tx_hash: txid, height })
    chain.histories.set(sh, history)
  }
  return txid
}

/** A regtest address no test watches (change, other people). */
export function strangerAddress (): string {
  const key = HDKey.fromMasterSeed(randomBytes(32))
  const script = OutScript.encode({ type: 'wpkh', hash: createHash('ripemd160').update(createHash('sha256').update(key.publicKey!).digest()).digest() })
  return Address(REGTEST).encode(OutScript.decode(script))
}
