import { parseArgs } from 'node:util'
import { bitFigures } from './support/names-bit-figures.js'

/**
 * The `.bit` figures of `npm run bench -- names` on their own (an alias of
 * `names --skip udp,sim,pow,spv`; see bench/support/names-bit-figures.ts):
 *
 *   npm run bench -- names-bit [--runs 15] [--cached 50]
 */
export const summary = '.bit resolution with proofs through the ElectrumX backend on local TLS test servers: cold, cached (alias of names --skip udp,sim,pow,spv)'

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string', default: '15' }, cached: { type: 'string', default: '50' } } })
  await bitFigures({ runs: Number(values.runs), cachedPerRun: Number(values.cached) })
}
