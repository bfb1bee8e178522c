/**
 * Difficulty as Namecoin consensus defines it: Bitcoin's compact "bits"
 * (arith_uint256 SetCompact/GetCompact) and Bitcoin's retarget every 2016
 * blocks (pow.cpp CalculateNextWorkRequired), with Namecoin's one change:
 * after merged mining began (height 19200) a period's timespan is measured
 * from the LAST block of the previous period (2016 blocks back, not 2015),
 * which closes Bitcoin's time-warp off-by-one.
 */

export const RETARGET_INTERVAL = 2016
export const TARGET_TIMESPAN_S = 14 * 24 * 60 * 60

// One-entry memos: a whole retarget period (2016 headers) shares its bits and target.
let memoBits: number | undefined
let memoTarget: bigint | undefined
let memoTargetValue: bigint | undefined
let memoTargetBytes = Buffer.alloc(32)

/** The target of compact bits; undefined when negative, zero or overflowing (Core's fNegative/fOverflow). */
export function bitsToTarget (bits: number): bigint | undefined {
  if (bits === memoBits) return memoTarget
  const target = computeTarget(bits)
  memoBits = bits
  memoTarget = target
  return target
}

function computeTarget (bits: number): bigint | undefined {
  const size = bits >>> 24
  let word = bits & 0x007fffff
  let target: bigint
  if (size <= 3) {
    word >>>= 8 * (3 - size)
    target = BigInt(word)
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3))
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
  if (negative || overflow || target === 0n) return undefined
  return target
}

/** Compact bits of a target, as arith_uint256::GetCompact writes them. */
export function targetToBits (target: bigint): number {
  let size = 0
  for (let t = target; t > 0n; t >>= 8n) size++
  let compact: bigint
  if (size <= 3) compact = target << BigInt(8 * (3 - size))
  else compact = target >> BigInt(8 * (size - 3))
  let c = Number(compact)
  if ((c & 0x00800000) !== 0) { c >>>= 8; size++ }
  return ((c | (size << 24)) >>> 0)
}

/**
 * The bits required for the first block of a new period.
 * `firstTime` is the time of the block that starts the measured span
 * (see retargetSpanStart), `last` the last block of the ending period.
 */
export function nextWorkRequired (lastBits: number, lastTime: number, firstTime: number, powLimit: bigint): number {
  let span = lastTime - firstTime
  if (span < TARGET_TIMESPAN_S / 4) span = TARGET_TIMESPAN_S / 4
  if (span > TARGET_TIMESPAN_S * 4) span = TARGET_TIMESPAN_S * 4
  const old = bitsToTarget(lastBits) ?? powLimit
  let next = old * BigInt(span) / BigInt(TARGET_TIMESPAN_S)
  if (next > powLimit) next = powLimit
  return targetToBits(next)
}

/** Height of the block whose time starts the span for the retarget after `lastHeight` (GetNextWorkRequired). */
export function retargetSpanStart (lastHeight: number, auxpowStartHeight: number): number {
  const back = lastHeight >= auxpowStartHeight && lastHeight + 1 > RETARGET_INTERVAL ? RETARGET_INTERVAL : RETARGET_INTERVAL - 1
  return lastHeight - back
}

/** True when the hash (internal byte order, i.e. little-endian number) is at or below the target. */
export function hashMeetsTarget (hash: Uint8Array, target: bigint): boolean {
  if (hash.length !== 32 || target >= 1n << 256n || target < 0n) {
    return BigInt('0x' + Buffer.from(hash).reverse().toString('hex')) <= target
  }
  const t = targetBytes(target)
  // Compare as 256-bit numbers, most significant byte first: hash[31] against t[0].
  for (let i = 0; i < 32; i++) {
    const h = hash[31 - i]
    if (h !== t[i]) return h < t[i]
  }
  return true
}

/** The target as 32 big-endian bytes (the last one is remembered: a period shares it). */
function targetBytes (target: bigint): Buffer {
  if (target === memoTargetValue) return memoTargetBytes
  const bytes = Buffer.from(target.toString(16).padStart(64, '0'), 'hex')
  memoTargetValue = target
  memoTargetBytes = bytes
  return bytes
}
