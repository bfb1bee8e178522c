/**
 * The output-descriptor checksum (BIP380, "Checksum" section): Bitcoin Core's
 * importdescriptors refuses a descriptor without it. Eight characters from the
 * bech32 alphabet after "#", computed by a BCH code over the descriptor's
 * characters, each split into a 5-bit symbol and a 3-of-a-group class symbol.
 * Written here from the BIP's description; BIP380's vector raw(deadbeef)#89f8spxm
 * is in the tests.
 */

const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ '
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn]

function polymod (symbols: number[]): bigint {
  let chk = 1n
  for (const value of symbols) {
    const top = chk >> 35n
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value)
    for (let i = 0; i < 5; i++) if (((top >> BigInt(i)) & 1n) === 1n) chk ^= GENERATOR[i]
  }
  return chk
}

/** The 8-character checksum of `descriptor` (without "#"); undefined when it has a character descriptors cannot hold. */
export function descriptorChecksum (descriptor: string): string | undefined {
  const symbols: number[] = []
  let groups: number[] = []
  for (const c of descriptor) {
    const v = INPUT_CHARSET.indexOf(c)
    if (v === -1) return undefined
    symbols.push(v & 31)
    groups.push(v >> 5)
    if (groups.length === 3) {
      symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2])
      groups = []
    }
  }
  if (groups.length === 1) symbols.push(groups[0])
  else if (groups.length === 2) symbols.push(groups[0] * 3 + groups[1])
  const sum = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n
  let out = ''
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((sum >> BigInt(5 * (7 - i))) & 31n)]
  return out
}

/** `descriptor#checksum`. */
export function withChecksum (descriptor: string): string {
  const sum = descriptorChecksum(descriptor)
  if (sum === undefined) throw new RangeError(`descriptor ${JSON.stringify(descriptor)} has a character descriptors cannot hold`)
  return `${descriptor}#${sum}`
}
