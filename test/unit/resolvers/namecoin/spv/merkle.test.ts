import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeHeader, hashFromHex, hashHex } from '../../../../../src/resolvers/namecoin/spv/header-codec.js'
import { merkleBranch, merkleRoot, merkleRootFromBranch } from '../../../../../src/resolvers/namecoin/spv/merkle.js'
import { sha256d } from '../../../../fixtures/namecoin/spv/synthetic-chain.js'

const real = JSON.parse(readFileSync(new URL('../../../../fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8'))
const b19204 = real.mainnet.find((x: { height: number }) => x.height === 19204)

describe('Merkle branches', () => {
  it('proves both transactions of real block 19,204 against its header', () => {
    const header = decodeHeader(Buffer.from(b19204.hex, 'hex'))
    const leaves = (b19204.txids as string[]).map(hashFromHex)
    expect(hashHex(merkleRoot(leaves))).toBe(b19204.merkleRoot)
    for (const pos of [0, 1]) {
      const branch = merkleBranch(leaves, pos)
      expect(branch).toEqual([leaves[1 - pos]])
      expect(merkleRootFromBranch(leaves[pos], branch, pos).equals(header.merkleRoot)).toBe(true)
    }
  })

  it('fails for a flipped bit in the branch, the leaf, or the wrong position', () => {
    const header = decodeHeader(Buffer.from(b19204.hex, 'hex'))
    const leaves = (b19204.txids as string[]).map(hashFromHex)
    const branch = merkleBranch(leaves, 1)
    const badBranch = [Buffer.from(branch[0])]; badBranch[0][5] ^= 4
    expect(merkleRootFromBranch(leaves[1], badBranch, 1).equals(header.merkleRoot)).toBe(false)
    const badLeaf = Buffer.from(leaves[1]); badLeaf[0] ^= 1
    expect(merkleRootFromBranch(badLeaf, branch, 1).equals(header.merkleRoot)).toBe(false)
    expect(merkleRootFromBranch(leaves[1], branch, 0).equals(header.merkleRoot)).toBe(false)
  })

  it('builds branches that verify at every position of odd-sized trees (last leaf duplicated)', () => {
    for (const n of [1, 3, 5, 7, 12]) {
      const leaves = Array.from({ length: n }, (_, i) => sha256d(Buffer.from([i])))
      const root = merkleRoot(leaves)
      for (let i = 0; i < n; i++) expect(merkleRootFromBranch(leaves[i], merkleBranch(leaves, i), i).equals(root), `${n}/${i}`).toBe(true)
    }
  })
})
