import { describe, expect, test } from 'vitest'
import { descriptorChecksum } from '../../../../src/node/accounting/bitcoin/descriptor-checksum.js'

describe('output descriptor checksum', () => {
  test('BIP380 vector: raw(deadbeef)#89f8spxm', () => {
    expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm')
  })

  test('an addr() descriptor (checksum as Bitcoin Core computes it, cited in bitcoinerlab/descriptors test fixtures)', () => {
    expect(descriptorChecksum('addr(mkmZxiEcEd8ZqjQWVZuC6so5dFMKEFpN2j)')).toBe('02wpgw69')
  })

  test('a character outside the descriptor alphabet gives no checksum', () => {
    expect(descriptorChecksum('addr(é)')).toBeUndefined()
  })
})
