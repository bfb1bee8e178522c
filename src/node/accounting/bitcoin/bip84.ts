import { createHash } from 'node:crypto'
import { HDKey } from '@scure/bip32'
import { createBase58check } from '@scure/base'
import { Address, NETWORK, OutScript, TEST_NETWORK, p2wpkh } from '@scure/btc-signer'
import { bitcoinError, BitcoinErrorCode } from './errors.js'

/**
 * BIP84 receive addresses (m/84'/coin'/account'/0/index, P2WPKH, bech32) from an
 * account-level extended public key. The key is given the way wallets export it:
 * xpub or zpub on mainnet, tpub or vpub on testnet and regtest (SLIP-132 version
 * bytes); the version only tells the network, the derivation is the same. Private
 * extended keys are refused outright: the node never holds a key that can spend.
 *
 * Base58check layout of an extended key (BIP32): version(4) depth(1)
 * parentFingerprint(4) childNumber(4) chainCode(32) key(33).
 */

export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest'

/** Network parameters as @scure/btc-signer wants them; regtest differs from testnet only in its bech32 prefix. */
export const NETWORK_PARAMS = {
  mainnet: NETWORK,
  testnet: TEST_NETWORK,
  regtest: { ...TEST_NETWORK, bech32: 'bcrt' }
} as const

// SLIP-132 version bytes.
const PUBLIC_VERSIONS: Record<number, { name: string, mainnet: boolean }> = {
  0x0488b21e: { name: 'xpub', mainnet: true },
  0x04b24746: { name: 'zpub', mainnet: true },
  0x043587cf: { name: 'tpub', mainnet: false },
  0x045f1cf6: { name: 'vpub', mainnet: false }
}
const PRIVATE_VERSIONS = new Set([0x0488ade4, 0x04b2430c, 0x049d7878, 0x04358394, 0x045f18bc, 0x044a4e28])
const OTHER_PUBLIC = new Map([[0x049d7cb2, 'ypub (BIP49, P2SH-wrapped)'], [0x044a5262, 'upub (BIP49, P2SH-wrapped)'],
  [0x02aa7ed3, 'Zpub (multisig)'], [0x02575483, 'Vpub (multisig)']])

/** BIP84's account level: m / purpose' / coin_type' / account'. */
const ACCOUNT_DEPTH = 3
/** Indexes at and above 2^31 are hardened: a public key cannot derive them. */
export const MAX_ADDRESS_INDEX = 0x7fffffff

const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest()
const base58check = createBase58check(sha256)

/** A parsed account key, ready to derive receive addresses. */
export interface AccountKey {
  network: BitcoinNetwork
  /** The receive chain (…/0), derived once. */
  readonly receive: HDKey
  /** What the user gave, by its SLIP-132 name (xpub, zpub, tpub, vpub). */
  kind: string
}

/**
 * Parses an account xpub/zpub/tpub/vpub for `network`. Throws BITCOIN_INVALID_XPUB with
 * what is wrong (not base58check, a private key, another network, not an account-level key).
 */
export function parseAccountKey (text: string, network: BitcoinNetwork): AccountKey {
  const bad = (why: string): never => { throw bitcoinError(BitcoinErrorCode.INVALID_XPUB, why) }
  if (typeof text !== 'string' || text.length < 100 || text.length > 120) bad('is not an extended public key (expected about 111 base58 characters starting with xpub, zpub, tpub or vpub)')
  let bytes: Uint8Array
  try {
    bytes = base58check.decode(text.trim())
  } catch {
    return bad('is not valid base58check (a character is wrong or missing)')
  }
  if (bytes.length !== 78) bad(`decodes to ${bytes.length} bytes, not the 78 of an extended key`)
  const version = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
  if (PRIVATE_VERSIONS.has(version)) bad('is a PRIVATE extended key: give the account public key (xpub/zpub/tpub/vpub) instead; a Tornet node never needs keys that can spend')
  const other = OTHER_PUBLIC.get(version)
  if (other !== undefined) bad(`is a ${other} key; Tornet derives BIP84 native segwit addresses: export the account's zpub (or xpub/vpub/tpub)`)
  const known = PUBLIC_VERSIONS[version]
  if (known === undefined) bad(`has unknown version bytes 0x${version.toString(16).padStart(8, '0')}`)
  if (known.mainnet !== (network === 'mainnet')) {
    bad(`is a ${known.mainnet ? 'mainnet' : 'testnet'} key (${known.name}) but bitcoin.network is ${network}`)
  }
  let key: HDKey
  try {
    key = HDKey.fromExtendedKey(text.trim(), { public: version, private: 0 })
  } catch (err) {
    return bad(`does not decode as an extended public key (${(err as Error).message})`)
  }
  if (key.depth !== ACCOUNT_DEPTH) {
    bad(`is a depth-${key.depth} key; BIP84 addresses come from the account key m/84'/${network === 'mainnet' ? 0 : 1}'/0' (depth 3), as wallets export it`)
  }
  return { network, receive: key.deriveChild(0), kind: known.name }
}

/** The P2WPKH receive address number `index` (m/84'/coin'/account'/0/index). */
export function receiveAddress (account: AccountKey, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_ADDRESS_INDEX) {
    throw bitcoinError(BitcoinErrorCode.INVALID_INDEX, `Address index must be an integer from 0 to ${MAX_ADDRESS_INDEX} (got ${String(index)}).`)
  }
  const child = account.receive.deriveChild(index)
  if (child.publicKey === null) throw bitcoinError(BitcoinErrorCode.INVALID_XPUB, 'The account key derived no public key.')
  const address = p2wpkh(child.publicKey, NETWORK_PARAMS[account.network]).address
  if (address === undefined) throw bitcoinError(BitcoinErrorCode.INVALID_XPUB, 'The account key derived no address.')
  return address
}

/**
 * The output script an address pays to (what Electrum servers index by, hashed).
 * Throws BITCOIN_INVALID_ADDRESS for an address that does not decode on `network`.
 */
export function addressScript (address: string, network: BitcoinNetwork): Uint8Array {
  if (typeof address !== 'string' || address.length === 0 || address.length > 100) {
    throw bitcoinError(BitcoinErrorCode.INVALID_ADDRESS, `Not a Bitcoin address: ${JSON.stringify(String(address).slice(0, 100))}.`)
  }
  try {
    return OutScript.encode(Address(NETWORK_PARAMS[network]).decode(address))
  } catch (err) {
    throw bitcoinError(BitcoinErrorCode.INVALID_ADDRESS, `${JSON.stringify(address)} is not a valid ${network} Bitcoin address (${(err as Error).message}).`, err)
  }
}

/** True when `address` decodes on `network`. */
export function isAddress (address: string, network: BitcoinNetwork): boolean {
  try { addressScript(address, network); return true } catch { return false }
}
