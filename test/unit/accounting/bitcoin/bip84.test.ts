import { pbkdf2Sync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { HDKey } from '@scure/bip32'
import { p2wpkh, TEST_NETWORK } from '@scure/btc-signer'
import { describe, expect, test } from 'vitest'
import { addressScript, parseAccountKey, receiveAddress } from '../../../../src/node/accounting/bitcoin/bip84.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { thrownCode } from '../../../helpers/thrown-code.js'

const V = JSON.parse(readFileSync(new URL('../../../fixtures/bitcoin/bip84-vectors.json', import.meta.url), 'utf8')) as {
  mnemonic: string, account0Xpub: string, account0Xprv: string, rootPub: string, receive: Array<{ path: string, address: string }>
}
// BIP39 seed of the BIP84 mnemonic (empty passphrase), to make testnet keys the BIP does not list.
const seed = pbkdf2Sync(V.mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512')
const TPUB = { private: 0x04358394, public: 0x043587cf }
const VPUB = { private: 0x045f18bc, public: 0x045f1cf6 }
const XPUB = { private: 0x0488ade4, public: 0x0488b21e }

/** The public half of `k` written with other SLIP-132 version bytes. */
function reencode (k: HDKey, versions: { private: number, public: number }): string {
  return new HDKey({ versions, publicKey: k.publicKey!, chainCode: k.chainCode!, depth: k.depth, index: k.index, parentFingerprint: k.parentFingerprint }).publicExtendedKey
}

describe('BIP84 receive addresses (vectors from BIP84)', () => {
  test('account 0 zpub gives the BIP\'s first receive addresses', () => {
    const account = parseAccountKey(V.account0Xpub, 'mainnet')
    expect(account.kind).toBe('zpub')
    V.receive.forEach((r, i) => expect(receiveAddress(account, i)).toBe(r.address))
  })

  test('the same key as a plain xpub derives the same addresses', () => {
    const xpub = reencode(HDKey.fromExtendedKey(V.account0Xpub, { private: 0x04b2430c, public: 0x04b24746 }), XPUB)
    expect(xpub.startsWith('xpub')).toBe(true)
    expect(receiveAddress(parseAccountKey(xpub, 'mainnet'), 1)).toBe(V.receive[1].address)
  })

  test('tpub and vpub on regtest/testnet derive what the private path derives', () => {
    const acct = HDKey.fromMasterSeed(seed).derive("m/84'/1'/0'")
    const tpub = reencode(acct, TPUB)
    const vpub = reencode(acct, VPUB)
    expect(tpub.startsWith('tpub')).toBe(true)
    expect(vpub.startsWith('vpub')).toBe(true)
    for (const i of [0, 7, 1000]) {
      const pub = HDKey.fromMasterSeed(seed).derive(`m/84'/1'/0'/0/${i}`).publicKey!
      expect(receiveAddress(parseAccountKey(tpub, 'regtest'), i)).toBe(p2wpkh(pub, { ...TEST_NETWORK, bech32: 'bcrt' }).address)
      expect(receiveAddress(parseAccountKey(vpub, 'testnet'), i)).toBe(p2wpkh(pub, TEST_NETWORK).address)
    }
  })

  test('the seed reproduces the BIP\'s account zpub (so the derived testnet keys come from the same wallet)', () => {
    const acct = HDKey.fromMasterSeed(seed, { private: 0x04b2430c, public: 0x04b24746 }).derive("m/84'/0'/0'")
    expect(acct.publicExtendedKey).toBe(V.account0Xpub)
  })

  test('private keys, other networks, other depths and garbage are BITCOIN_INVALID_XPUB', () => {
    expect(thrownCode(() => parseAccountKey(V.account0Xprv, 'mainnet'))).toBe(BitcoinErrorCode.INVALID_XPUB)
    expect(thrownCode(() => parseAccountKey(V.account0Xpub, 'testnet'))).toBe(BitcoinErrorCode.INVALID_XPUB)
    expect(thrownCode(() => parseAccountKey(V.account0Xpub, 'regtest'))).toBe(BitcoinErrorCode.INVALID_XPUB)
    expect(thrownCode(() => parseAccountKey(V.rootPub, 'mainnet'))).toBe(BitcoinErrorCode.INVALID_XPUB) // depth 0
    const flipped = V.account0Xpub.slice(0, 50) + (V.account0Xpub[50] === 'a' ? 'b' : 'a') + V.account0Xpub.slice(51)
    expect(thrownCode(() => parseAccountKey(flipped, 'mainnet'))).toBe(BitcoinErrorCode.INVALID_XPUB)
    expect(thrownCode(() => parseAccountKey('zpub', 'mainnet'))).toBe(BitcoinErrorCode.INVALID_XPUB)
    try { parseAccountKey(V.account0Xprv, 'mainnet') } catch (err) { expect((err as Error).message).toMatch(/PRIVATE/) }
  })

  test('indexes outside 0..2^31-1 are refused', () => {
    const account = parseAccountKey(V.account0Xpub, 'mainnet')
    for (const bad of [-1, 2 ** 31, 1.5, Number.NaN]) expect(thrownCode(() => receiveAddress(account, bad))).toBe(BitcoinErrorCode.INVALID_INDEX)
  })

  test('addressScript gives the P2WPKH script and refuses other networks', () => {
    expect(Buffer.from(addressScript(V.receive[0].address, 'mainnet')).toString('hex')).toBe('0014c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2')
    expect(thrownCode(() => addressScript(V.receive[0].address, 'regtest'))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
    expect(thrownCode(() => addressScript('bc1qnotanaddress', 'mainnet'))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
  })
})
