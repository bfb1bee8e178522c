/** Ogg's page checksum: CRC-32, polynomial 0x04c11db7, MSB first, initial 0, no final xor. */
const TABLE = new Uint32Array(256)
for (let i = 0; i < 256; i++) {
  let r = i << 24
  for (let j = 0; j < 8; j++) r = (r & 0x80000000) !== 0 ? (r << 1) ^ 0x04c11db7 : r << 1
  TABLE[i] = r >>> 0
}

/** CRC of a whole page with its checksum field (bytes 22..25) taken as zero. */
export function oggPageCrc (page: Uint8Array): number {
  let crc = 0
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i]
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0
  }
  return crc
}
