import { randomBytes } from 'node:crypto'
import { createNode, loadConfig } from '../../../src/node/index.js'
import { KillWindow, killAfterStart, startChild, timedRun } from './child-run.js'
import { type CrashContext, cliHome, finding } from './crash-rounds.js'
import { checkStore } from './store-check.js'

/**
 * `tornet name register` of a new name each round (a mailbox target; an 8-bit proof of work),
 * killed at a random moment. Acknowledged: the http://NAME.tor-net/ line. After each kill the
 * store is checked, then a node is started on the data directory as `tornet start` would (no
 * network needed): it must come up with no warning, read back every owned chain it saved
 * (none undecodable or unverifiable), and own every name acknowledged so far.
 */
/** Printed as mining begins: kill times are drawn from here to the exit. */
const MARKER = /^registering /

export async function nameRounds (ctx: CrashContext): Promise<void> {
  const home = cliHome(ctx, 'name')
  const register = (name: string): string[] => ['name', 'register', name, `mailbox:${randomBytes(32).toString('hex')}`, '--data-dir', home]
  const acked = new Set<string>()

  const { run: calibration, code: firstCode, windowMs } = await timedRun(ctx.opts.cli, register('crashcalibration'), MARKER)
  if (firstCode !== 0) throw new Error(`an unkilled tornet name register failed (${String(firstCode)}): ${calibration.stderr()}`)
  acked.add('crashcalibration')
  ctx.log(`an unkilled name register took ${windowMs} ms from "registering" to its exit`)
  const kills = new KillWindow(windowMs, ctx.random)

  for (let round = 1; round <= ctx.opts.rounds; round++) {
    const name = `crashround${round}`
    const run = startChild(ctx.opts.cli, register(name), MARKER)
    const killAt = kills.next()
    const { killed, code, ranMs } = await killAfterStart(run, killAt)
    if (killed) ctx.tally.killed++
    else kills.finished(ranMs)
    if (!killed && code !== 0) finding(ctx, 'unclean', round, `tornet name register exited with ${String(code)} before the kill: ${run.stderr().trim().split('\n').pop() ?? ''}`)
    if (run.out.includes(`http://${name}.tor-net/`)) { acked.add(name); ctx.tally.acknowledged++ }

    const check = await checkStore(home)
    if (check.corrupt > 0) finding(ctx, 'corrupt', round, `${check.corrupt} of ${check.chunks} chunks do not hash to their id`, check.corrupt)
    for (const p of check.problems) finding(ctx, 'unclean', round, p)

    const warnings: string[] = []
    let owned: string[] = []
    try {
      const config = loadConfig({ dataDir: home })
      const node = await createNode({ dataDir: home, config: { ...config, listen: { host: '127.0.0.1', port: 0 } }, log: (level, m) => { if (level === 'warn') warnings.push(m) } })
      try {
        owned = node.names.owned()
        const stats = node.names.loadStats.owned
        if (stats.invalid > 0) warnings.push(`${stats.invalid} owned name chains did not decode or verify`)
      } finally { await node.stop() }
    } catch (err) {
      warnings.push(`the node did not start: ${(err as Error).message}`)
    }
    for (const w of warnings) finding(ctx, 'unclean', round, w)
    const missing = [...acked].filter(n => !owned.includes(n))
    for (const n of missing) finding(ctx, 'lost', round, `${n}.tor-net was acknowledged but the restarted node does not own it`)
    ctx.log(`round ${round}: ${killed ? `killed ${killAt} ms after "registering"` : 'done before the kill'}` +
      `${acked.has(name) ? ', acknowledged' : ''}; the restarted node owns ${owned.length} names`)
  }
}
