import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import type { ChainParams } from '../../../../../src/resolvers/namecoin/spv/chain-params.js'
import { HeaderChain, type HeaderSource } from '../../../../../src/resolvers/namecoin/spv/header-chain.js'
import { NAMECOIN_PROOF_ERRORS } from '../../../../../src/resolvers/namecoin/spv/proof-errors.js'
import { TEST_POW_LIMIT, buildChain, compact, sha256d, type SyntheticBlock } from '../../../../fixtures/namecoin/spv/synthetic-chain.js'

const CP = 2015
const FIRST_TARGET = TEST_POW_LIMIT >> 1n
let blocks: SyntheticBlock[] // heights 2015 (checkpoint) … 4040, across the retarget at 4032

function params (cp: SyntheticBlock): ChainParams {
  return { name: 'test', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: CP, hash: cp.hash, nextTarget: FIRST_TARGET } }
}

beforeAll(() => {
  // Blocks come twice as fast as targeted, so the retarget at 4032 halves the target.
  blocks = buildChain({
    checkpointHeight: CP,
    firstTarget: FIRST_TARGET,
    count: 2025,
    spacing: () => 300,
    aux: h => ({ magic: h % 2 === 0, chainBranch: h % 3, parentTxs: h % 4 })
  })
})

const dirs: string[] = []
const chains: HeaderChain[] = []
afterEach(async () => {
  for (const c of chains.splice(0)) await c.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function open (dir?: string, p = params(blocks[0])): HeaderChain {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'tornet-spv-'))
  if (dir === undefined) dirs.push(d)
  const chain = HeaderChain.open(d, p)
  chains.push(chain)
  return chain
}

const at = (h: number): SyntheticBlock => blocks[h - CP]
const run = (from: number, to: number, list = blocks): Buffer => Buffer.concat(list.slice(from - CP, to - CP + 1).map(b => b.full))

function source (list: SyntheticBlock[], log: Array<[number, number]> = []): HeaderSource {
  return {
    headers: async (start, count) => {
      log.push([start, count])
      return Buffer.concat(list.filter(b => b.height >= start && b.height < start + count).map(b => b.full))
    }
  }
}

function failure (fn: () => unknown): string {
  try { fn() } catch (err) { if (isTornetError(err)) return err.code; throw err }
  return 'ACCEPTED'
}

describe('header chain from a checkpoint', () => {
  it('syncs across a retarget (the target halves), and a restart resumes from the stored tip', async () => {
    expect(at(4032).bits).toBe(compact(FIRST_TARGET >> 1n))
    const dir = mkdtempSync(join(tmpdir(), 'tornet-spv-')); dirs.push(dir)
    const chain = open(dir)
    const log: Array<[number, number]> = []
    expect(await chain.sync(source(blocks, log))).toBe(4040)
    expect(log[0]).toEqual([CP, 1]) // the checkpoint's own header, once
    expect(chain.headerAt(4032)?.hash.equals(at(4032).hash)).toBe(true)
    await chain.close(); chains.pop()

    const again = open(dir)
    expect(again.tipHeight).toBe(4040)
    const log2: Array<[number, number]> = []
    expect(await again.sync(source(blocks, log2))).toBe(4040)
    expect(log2).toEqual([[4041, 2016]]) // resumes: asks only for what follows the tip
  })

  it('refuses a checkpoint header that is not the shipped one, and headers that do not link to it', () => {
    const chain = open()
    const wrongCp = Buffer.from(at(CP).raw80); wrongCp[10] ^= 1
    expect(failure(() => chain.anchor(wrongCp))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    chain.anchor(at(CP).raw80)
    // A chain built on another block at the checkpoint height: a fork at the checkpoint.
    const otherCp = { ...at(CP), hash: sha256d(Buffer.from('another block 2015')) }
    const forked = buildChain({ checkpointHeight: CP, firstTarget: FIRST_TARGET, count: 3, salt: 'fork', from: { blocks: [otherCp], height: CP } })
    expect(failure(() => chain.accept(CP + 1, run(CP + 1, CP + 3, forked)))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
  })

  it('refuses headers at or below the checkpoint (a fork below it), whatever they hold', () => {
    const chain = open()
    chain.anchor(at(CP).raw80)
    expect(failure(() => chain.accept(CP, run(CP, CP + 5)))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    expect(failure(() => chain.accept(100, run(CP + 1, CP + 5)))).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
  })

  it('refuses a broken link, a gap, wrong bits, and garbage, keeping the verified tip', () => {
    const chain = open()
    chain.anchor(at(CP).raw80)
    chain.accept(CP + 1, run(CP + 1, CP + 10))
    expect(failure(() => chain.accept(CP + 12, run(CP + 12, CP + 14)))).toBe(NAMECOIN_PROOF_ERRORS.headerLink) // gap
    const skip = Buffer.concat([at(CP + 11).full, at(CP + 13).full])
    expect(failure(() => chain.accept(CP + 11, skip))).toBe(NAMECOIN_PROOF_ERRORS.headerLink)
    // Right link, valid work for its own (easier) bits: only the difficulty is wrong.
    const easier = buildChain({ checkpointHeight: CP, firstTarget: FIRST_TARGET, count: 11, spacing: () => 300, from: { blocks, height: CP + 10 }, bitsAt: () => compact(TEST_POW_LIMIT) })
    expect(failure(() => chain.accept(CP + 11, easier[11].full))).toBe(NAMECOIN_PROOF_ERRORS.difficulty)
    expect(failure(() => chain.accept(CP + 11, Buffer.from('not a header at all, not even eighty bytes long')))).toBe(NAMECOIN_PROOF_ERRORS.header)
    const flipped = Buffer.from(at(CP + 11).full); flipped[100] ^= 1 // inside the AuxPoW's coinbase
    expect(failure(() => chain.accept(CP + 11, flipped))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
    expect(chain.tipHeight).toBe(CP + 10)
    chain.accept(CP + 11, run(CP + 11, CP + 12))
    expect(chain.tipHeight).toBe(CP + 12)
  })

  it('refuses a header that flips one bit of its 80 bytes (time): its hash is no longer what the AuxPoW proves', () => {
    const chain = open()
    chain.anchor(at(CP).raw80)
    const bad = Buffer.from(at(CP + 1).full); bad[68] ^= 1
    expect(failure(() => chain.accept(CP + 1, bad))).toBe(NAMECOIN_PROOF_ERRORS.auxpow)
  })

  it('takes a longer valid branch (reorganisation) and refuses a shorter one', () => {
    const chain = open()
    chain.anchor(at(CP).raw80)
    chain.accept(CP + 1, run(CP + 1, CP + 20))
    const branch = buildChain({ checkpointHeight: CP, firstTarget: FIRST_TARGET, count: 25, spacing: () => 300, salt: 'branch', from: { blocks, height: CP + 15 } })
    expect(failure(() => chain.accept(CP + 16, run(CP + 16, CP + 19, branch)))).toBe(NAMECOIN_PROOF_ERRORS.headerLink)
    expect(chain.headerAt(CP + 18)?.hash.equals(at(CP + 18).hash)).toBe(true)
    expect(chain.accept(CP + 16, run(CP + 16, CP + 25, branch))).toBe(CP + 25)
    expect(chain.headerAt(CP + 18)?.hash.equals(branch[18].hash)).toBe(true)
    expect(chain.headerAt(CP + 15)?.hash.equals(at(CP + 15).hash)).toBe(true)
  })

  it('stops at the source tip and answers nothing above the verified tip', async () => {
    const chain = open()
    expect(await chain.sync(source(blocks.slice(0, 31)))).toBe(CP + 30)
    expect(chain.headerAt(CP + 31)).toBeUndefined()
    expect(chain.headerAt(CP - 1)).toBeUndefined()
  })
})
