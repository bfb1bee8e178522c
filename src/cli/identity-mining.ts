import { availableParallelism } from 'node:os'
import {
  IdentityErrorCode, TornetError, identityPath, isTornetError, loadIdentity, mineIdentity, saveIdentity,
  type Identity, type MiningProgress
} from '../node/index.js'
import type { CliContext } from './command.js'
import { formatCount, formatDuration } from './format.js'
import { ProgressLine } from './progress-line.js'

/**
 * Mining an identity with the progress line, shared by `tornet id new` and by every command
 * that needs an identity and finds none: a newcomer's first `tornet publish` makes one (at the
 * configured identityRank) instead of failing with "there is no identity".
 */

export async function mineAndSave (ctx: CliContext, rank: number, threads = availableParallelism()): Promise<Identity> {
  ctx.stderr.write(`mining an identity of rank ${rank} on ${threads} thread${threads === 1 ? '' : 's'} ` +
    `(about ${formatCount(2 ** rank)} hashes expected; Ctrl-C stops)\n`)
  const line = new ProgressLine(ctx.stderr, ctx.now)
  let identity: Identity
  try {
    identity = await mineIdentity({ rank, threads, signal: ctx.signal, onProgress: p => line.update(describeProgress(p)) })
  } catch (err) {
    if (isTornetError(err, IdentityErrorCode.MINING_ABORTED)) {
      throw new TornetError(IdentityErrorCode.MINING_ABORTED, 'mining stopped; no identity was saved. Run the command again to mine anew', { cause: err })
    }
    throw err
  } finally {
    line.end()
  }
  saveIdentity(ctx.dataDir, identity)
  return identity
}

/**
 * The data directory's identity, mined first when there is none. Says so on stderr (stdout
 * carries the command's result, such as a published address), with the way to choose another
 * rank, since the rank is fixed once the node is known to peers.
 */
export async function identityOrCreate (ctx: CliContext, rank: number): Promise<Identity> {
  const existing = loadIdentity(ctx.dataDir)
  if (existing !== undefined) return existing
  ctx.stderr.write(`there is no identity in ${ctx.dataDir} yet: creating one of rank ${rank} (identityRank in config.json; ` +
    '`tornet id new --rank N --force` replaces it later)\n')
  const identity = await mineAndSave(ctx, rank)
  ctx.stderr.write(`created identity ${identity.id.toString('hex').slice(0, 16)}… (rank ${identity.rank}), saved to ${identityPath(ctx.dataDir)}\n`)
  return identity
}

function describeProgress (p: MiningProgress): string {
  const left = p.expectedSecondsLeft > 0 ? `~${formatDuration(p.expectedSecondsLeft)} left (expected)` : 'any moment now (expected)'
  return `${formatCount(p.hashes)} hashes, ${formatCount(p.hashesPerSecond)} hashes/s, ` +
    `${formatDuration(p.elapsedSeconds)} elapsed, ${left}`
}
