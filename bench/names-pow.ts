import { parseArgs } from 'node:util'
import { generateIdentity } from '../src/node/identity/identity.js'
import type { MiningProgress } from '../src/node/identity/miner.js'
import { mineRegistration } from '../src/node/services/names/pow.js'
import { DEFAULT_DIFFICULTY, MAX_TERM_MS, NO_PREVIOUS, powPrefix } from '../src/node/services/names/registration.js'
import { nativeSha256Rate } from './support/native-hash.js'
import { emit, mean, progress } from './util.js'

/**
 * Name registration proof of work at the default difficulty, as `tornet name register` mines it
 * (in-process, one core, yielding to the event loop between slices). Each round mines a fresh
 * registration; the time to a proof is memoryless (exponential), so single rounds vary a lot: the
 * mean over rounds is reported, and beside it the expected time from the measured hash rate,
 * which is steadier. Baseline: a bare native SHA-256 loop over a buffer of the same size.
 *
 *   npm run bench -- names-pow [--rounds 5] [--difficulty 21]
 */

export const summary = 'name registration proof-of-work time at the default difficulty (one core)'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { rounds: { type: 'string', default: '5' }, difficulty: { type: 'string', default: String(DEFAULT_DIFFICULTY) } }
  })
  const rounds = Number(values.rounds)
  const difficulty = Number(values.difficulty)
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(difficulty) || difficulty < 1 || difficulty > 40) {
    throw new Error('usage: names-pow [--rounds R>=1] [--difficulty 1..40]')
  }
  const owner = generateIdentity()
  const target = { kind: 'content' as const, value: Buffer.alloc(64, 7) }
  const seconds: number[] = []
  const rates: number[] = []
  let inputBytes = 0
  for (let r = 1; r <= rounds; r++) {
    const created = Date.now()
    const unsigned = { name: `bench-${r}-${created}`, owner: owner.publicKey, target, created, expires: created + MAX_TERM_MS, previous: NO_PREVIOUS }
    inputBytes = powPrefix(unsigned).length + 8
    let last: MiningProgress | undefined
    const started = performance.now()
    const reg = await mineRegistration(owner, unsigned, { difficulty, onProgress: p => { last = p } })
    const s = (performance.now() - started) / 1000
    const hashes = reg.nonce.readUInt32LE(0) + reg.nonce.readUInt32LE(4) * 2 ** 32 + 1
    seconds.push(s)
    rates.push(hashes / s)
    progress(`round ${r}/${rounds}: ${s.toFixed(2)} s, ${hashes} hashes, ${Math.round(hashes / s)} h/s${last === undefined ? '' : ` (last progress ${Math.round(last.hashesPerSecond)} h/s)`}`)
  }
  // Rounds that end early hash mostly during warm-up; weight the rate by work done.
  const rate = rates.reduce((sum, x, i) => sum + x * seconds[i], 0) / seconds.reduce((a, b) => a + b, 0)
  progress('native baseline, 2 s')
  const baseline = nativeSha256Rate(inputBytes, 2)
  const extra = { difficulty, rounds, threads: 1 }
  emit('names.register_pow_s', Number(mean(seconds).toFixed(3)), 's', extra)
  emit('names.register_pow_expected_s', Number((2 ** difficulty / rate).toFixed(3)), 's', extra)
  emit('names.pow_hashes_per_s', Math.round(rate), 'hashes/s', extra)
  emit('names.pow_baseline_hashes_per_s', Math.round(baseline), 'hashes/s', extra)
  emit('names.pow_vs_native', Number((rate / baseline).toFixed(3)), 'ratio', extra)
}
