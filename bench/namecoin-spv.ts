import { parseArgs } from 'node:util'
import { spvFigures } from './support/names-spv-figures.js'

/**
 * The SPV header figures of `npm run bench -- names` on their own (an alias of
 * `names --skip udp,sim,pow,bit`; see bench/support/names-spv-figures.ts for what each figure is):
 *
 *   npm run bench -- namecoin-spv [--seconds 3] [--headers 470000] [--rounds 3]
 */
export const summary = 'Namecoin SPV header verify/accept rates, projection for the chain since the checkpoint (alias of names --skip udp,sim,pow,bit)'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '3' }, headers: { type: 'string', default: '470000' }, rounds: { type: 'string', default: '3' } } })
  await spvFigures({ seconds: Number(values.seconds), headers: Number(values.headers), rounds: Number(values.rounds) })
}
