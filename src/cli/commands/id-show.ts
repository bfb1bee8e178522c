import { parseArgs } from 'node:util'
import { IdentityErrorCode, TornetError, identityPath, loadIdentity } from '../../node/index.js'
import type { Command } from '../command.js'

export const idShowCommand: Command = {
  name: 'id show',
  summary: "print this node's id, rank and public key",
  usage: `Usage: tornet id show

Prints the identity saved in <data dir>/identity.json: node id, rank, public key and nonce.
The secret key is never printed.
`,
  async run (argv, ctx) {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false })
    const identity = loadIdentity(ctx.dataDir)
    if (identity === undefined) {
      throw new TornetError(IdentityErrorCode.MISSING,
        `there is no identity in ${ctx.dataDir} yet. Create one with \`tornet id new\`, ` +
        'or point --data-dir (or $TORNET_HOME) at the directory that holds it')
    }
    ctx.stdout.write(
      `id          ${identity.id.toString('hex')}\n` +
      `rank        ${identity.rank}\n` +
      `public key  ${identity.publicKey.toString('hex')}\n` +
      `nonce       ${identity.nonce.toString('hex')}\n` +
      `file        ${identityPath(ctx.dataDir)}\n`)
  }
}
