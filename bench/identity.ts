import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { mineIdentity } from '../src/node/identity/miner.js'
import { isTornetError } from '../src/node/errors.js'
import { IdentityErrorCode } from '../src/node/identity/errors.js'
import { type RateSample, emit, mean, progress, sleep, steadyRate } from './util.js'

/**
 * Rank mining speed against the best this machine can do: the miner (mining a rank it will not
 * reach, aborted after N seconds) and a bare native SHA-256 loop on a reused 40-byte buffer, on
 * the same number of worker threads for the same time, alternated `rounds` times. Both rates come
 * from counter samples taken every 250 ms after a warm-up, measured the same way.
 *
 *   npm run bench -- identity [--seconds 5] [--rounds 1] [--threads N]
 */

export const summary = 'rank-mining hash rate vs a bare native SHA-256 loop on all cores'

const SAMPLE_MS = 250
const WARMUP_SECONDS = 0.5
const UNREACHABLE_RANK = 60

const BASELINE_WORKER = String.raw`
'use strict'
const { parentPort } = require('node:worker_threads')
const { hash } = require('node:crypto')
const input = new Uint8Array(40)
let sink = 0
let pending = 0
let last = performance.now()
for (;;) {
  for (let i = 0; i < 1024; i++) {
    input[32] = i
    sink ^= hash('sha256', input, 'buffer')[0]
  }
  pending += 1024
  const now = performance.now()
  if (now - last >= 100) {
    // sink & 0 is 0: it only keeps the digest read, as the miner reads it to test the rank
    parentPort.postMessage(pending + (sink & 0))
    pending = 0
    last = now
  }
}
`

async function baselineRate (threads: number, seconds: number): Promise<number> {
  let count = 0
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(BASELINE_WORKER, { eval: true })
    w.on('message', (n: number) => { count += n })
    return w
  })
  const samples: RateSample[] = []
  const started = performance.now()
  while (performance.now() - started < seconds * 1000) {
    await sleep(SAMPLE_MS)
    samples.push({ seconds: (performance.now() - started) / 1000, count })
  }
  await Promise.all(workers.map(async w => await w.terminate()))
  return steadyRate(samples, WARMUP_SECONDS)
}

async function minerRate (threads: number, seconds: number): Promise<number> {
  const samples: RateSample[] = []
  try {
    await mineIdentity({
      rank: UNREACHABLE_RANK,
      threads,
      signal: AbortSignal.timeout(seconds * 1000),
      onProgress: p => samples.push({ seconds: p.elapsedSeconds, count: p.hashes })
    })
    throw new Error(`the miner reached rank ${UNREACHABLE_RANK}; this cannot be a fair measurement`)
  } catch (err) {
    if (!isTornetError(err, IdentityErrorCode.MINING_ABORTED)) throw err
  }
  return steadyRate(samples, WARMUP_SECONDS)
}

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '1' }, threads: { type: 'string' } }
  })
  const seconds = Number(values.seconds)
  const rounds = Number(values.rounds)
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads)
  if (!(seconds >= 1) || !Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(threads) || threads < 1) {
    throw new Error('usage: identity [--seconds S>=1] [--rounds R>=1] [--threads N>=1]')
  }
  const miner: number[] = []
  const baseline: number[] = []
  for (let r = 1; r <= rounds; r++) {
    progress(`round ${r}/${rounds}: native baseline, ${threads} threads, ${seconds} s`)
    baseline.push(await baselineRate(threads, seconds))
    progress(`round ${r}/${rounds}: miner, ${threads} threads, ${seconds} s`)
    miner.push(await minerRate(threads, seconds))
    progress(`  baseline ${Math.round(baseline[r - 1])} h/s, miner ${Math.round(miner[r - 1])} h/s`)
  }
  const extra = { threads, seconds, rounds }
  emit('identity.pow_hashes_per_s', Math.round(mean(miner)), 'hashes/s', extra)
  emit('identity.pow_baseline_hashes_per_s', Math.round(mean(baseline)), 'hashes/s', extra)
  emit('identity.pow_vs_native', Number((mean(miner) / mean(baseline)).toFixed(3)), 'ratio', { ...extra, target: 0.9 })
}
