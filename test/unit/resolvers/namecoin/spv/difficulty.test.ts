import { describe, expect, it } from 'vitest'
import { NAMECOIN_MAINNET } from '../../../../../src/resolvers/namecoin/spv/chain-params.js'
import { bitsToTarget, hashMeetsTarget, nextWorkRequired, retargetSpanStart, targetToBits } from '../../../../../src/resolvers/namecoin/spv/difficulty.js'

const LIMIT = NAMECOIN_MAINNET.powLimit

describe('difficulty (compact bits and the 2016-block retarget)', () => {
  it('expands bits as Electrum-NMC records them (0x1b00b269 at block 19,414)', () => {
    expect(bitsToTarget(0x1b00b269)).toBe(0xb269000000000000000000000000000000000000000000000000n)
    expect(bitsToTarget(0x1a242a4a)).toBe(0x242a4a0000000000000000000000000000000000000000000000n)
    expect(targetToBits(0xb269000000000000000000000000000000000000000000000000n)).toBe(0x1b00b269)
  })

  it('refuses negative, zero and overflowing compact values', () => {
    expect(bitsToTarget(0x1d800000)).toBeUndefined() // sign bit
    expect(bitsToTarget(0x00000000)).toBeUndefined()
    expect(bitsToTarget(0x23000001)).toBeUndefined() // size 35
    expect(bitsToTarget(0x22010000)).toBeUndefined()
  })

  // Electrum-NMC's checkpoints.json stores the uncompacted retarget result; blocks carry its compact form.
  it('turns the shipped checkpoint target into the compact bits blocks of the next period carry', () => {
    const t = NAMECOIN_MAINNET.checkpoint.nextTarget
    expect(targetToBits(t)).toBe(0x177e2188)
    expect(bitsToTarget(0x177e2188)).toBe(t >> 160n << 160n)
    expect(t < LIMIT).toBe(true)
    expect(NAMECOIN_MAINNET.checkpoint.height % 2016).toBe(2015)
  })

  // Vectors from Bitcoin Core's src/test/pow_tests.cpp (kept in namecoin-core): real Bitcoin
  // mainnet blocks; Namecoin's CalculateNextWorkRequired is the same arithmetic.
  it.each([
    ['no constraint (blocks 30,240–32,255)', 0x1d00ffff, 1262152739, 1261130161, 0x1d00d86a],
    ['limited by the PoW limit (blocks 0–2,015)', 0x1d00ffff, 1233061996, 1231006505, 0x1d00ffff],
    ['span clamped to a quarter (blocks 66,528–68,543)', 0x1c05a3f4, 1279297671, 1279008237, 0x1c0168fd],
    ['span clamped to four times', 0x1c387f6f, 1269211443, 1263163443, 0x1d00e1fd]
  ])('%s', (_what, lastBits, lastTime, firstTime, expected) => {
    expect(nextWorkRequired(lastBits, lastTime, firstTime, LIMIT)).toBe(expected)
  })

  it('measures the span from 2016 blocks back after merged mining began, 2015 before', () => {
    expect(retargetSpanStart(4031, 19200)).toBe(4031 - 2015)
    expect(retargetSpanStart(20159, 19200)).toBe(20159 - 2016)
    expect(retargetSpanStart(387071, 19200)).toBe(385055)
  })

  it('compares a hash to a target as a little-endian number', () => {
    const hash = Buffer.alloc(32); hash[31] = 0x01 // the most significant byte
    expect(hashMeetsTarget(hash, 1n << 248n)).toBe(true)
    expect(hashMeetsTarget(hash, (1n << 248n) - 1n)).toBe(false)
  })

  // hashMeetsTarget compares bytes (no BigInt per header) and remembers the last target:
  // it must agree with the plain number comparison, at the boundary and when targets change.
  it('agrees with a plain 256-bit comparison at, above and below the target, across changing targets', () => {
    const asNumber = (h: Buffer): bigint => BigInt('0x' + Buffer.from(h).reverse().toString('hex'))
    const toHash = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse()
    let seed = 7
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
    for (let i = 0; i < 300; i++) {
      const target = (BigInt(rnd()) << BigInt(rnd() % 224)) + BigInt(rnd() % 3)
      for (const n of [target - 1n, target, target + 1n, target ^ (1n << BigInt(rnd() % 200)), BigInt(rnd())]) {
        if (n < 0n || n >= 1n << 256n) continue
        expect(hashMeetsTarget(toHash(n), target), `${n} vs ${target}`).toBe(asNumber(toHash(n)) <= target)
      }
    }
    expect(hashMeetsTarget(Buffer.alloc(32, 0xff), LIMIT)).toBe(false)
    expect(hashMeetsTarget(Buffer.alloc(32), 1n)).toBe(true)
  })
})
