import { parseArgs } from 'node:util'
import { availableParallelism } from 'node:os'
import {
  IdentityErrorCode, MAX_MINING_RANK, TornetError, hasIdentityFile, identityPath, loadConfig, loadIdentity
} from '../../node/index.js'
import type { Command, CliContext } from '../command.js'
import { intFlag } from '../flags.js'
import { mineAndSave } from '../identity-mining.js'

const options = {
  rank: { type: 'string' },
  threads: { type: 'string' },
  force: { type: 'boolean' }
} as const

export const idNewCommand: Command = {
  name: 'id new',
  summary: 'create a key pair and mine its proof-of-work rank',
  usage: `Usage: tornet id new [--rank N] [--threads N] [--force]

Creates this node's identity: an ed25519 key pair and a nonce whose SHA-256(public key ‖ nonce)
starts with N zero bits. Each extra bit doubles the expected mining time; peers trust, credit
and store for higher ranks. The identity is saved to <data dir>/identity.json (mode 0600).

Options:
  --rank N      zero bits to mine, 0-${MAX_MINING_RANK} (default: identityRank in config.json, 22)
  --threads N   worker threads (default: all cores)
  --force       replace an existing identity (its node id and rank are lost for good)
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
    const config = loadConfig({ dataDir: ctx.dataDir })
    const rank = values.rank === undefined ? config.identityRank : intFlag('--rank', values.rank, 0, MAX_MINING_RANK)
    const threads = values.threads === undefined ? availableParallelism() : intFlag('--threads', values.threads, 1, 1024)

    if (values.force !== true && hasIdentityFile(ctx.dataDir)) refuseOverwrite(ctx)

    const identity = await mineAndSave(ctx, rank, threads)

    ctx.stdout.write(
      `id          ${identity.id.toString('hex')}\n` +
      `rank        ${identity.rank}\n` +
      `public key  ${identity.publicKey.toString('hex')}\n` +
      `saved to    ${identityPath(ctx.dataDir)}\n`)
    if (identity.rank < config.minRank) {
      ctx.stderr.write(`warning: rank ${identity.rank} is below minRank ${config.minRank}; ` +
        'peers with the default settings will not talk to this node\n')
    }
  }
}

function refuseOverwrite (ctx: CliContext): never {
  let what: string
  try {
    const existing = loadIdentity(ctx.dataDir)
    what = existing === undefined ? 'an identity' : `an identity (id ${existing.id.toString('hex').slice(0, 16)}…, rank ${existing.rank})`
  } catch {
    what = 'a damaged identity file'
  }
  throw new TornetError(IdentityErrorCode.EXISTS,
    `${what} already exists at ${identityPath(ctx.dataDir)}. Use --force to replace it ` +
    '(the old node id and its rank are lost for good), or --data-dir to create one elsewhere')
}
