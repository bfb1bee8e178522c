import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ChildRun, killAfterStart, startChild } from './child-run.js'
import { type CrashContext, cliHome, finding } from './crash-rounds.js'
import { checkStore } from './store-check.js'

/**
 * `tornet get` of a 6 MiB file a test-network node published, killed at a random moment, then
 * run again unkilled: it must continue from the .part it left (kept, and checked before it is
 * trusted) and end byte-exact. Corrupt: a .part that is not a prefix of the file, or a chunk in
 * the downloader's store that does not hash to its id. Acknowledged: "saved …" on stdout.
 */
export const GET_FILE_BYTES = 6 * 1024 * 1024

export async function getRounds (ctx: CrashContext): Promise<void> {
  const net = ctx.net
  if (net === undefined) throw new Error('get rounds need the test network')
  const body = randomBytes(GET_FILE_BYTES)
  const siteDir = mkdtempSync(join(ctx.work, 'get-site-'))
  writeFileSync(join(siteDir, 'big.bin'), body)
  const { host } = await net.nodes[1].publish(siteDir)
  const home = cliHome(ctx, 'get')
  const out = join(ctx.work, 'got.bin')
  const part = `${out}.part`
  const get = (): ChildRun => startChild(ctx.opts.cli, ['get', `${host}/big.bin`, '-o', out, '--data-dir', home])
  const exact = (): boolean => existsSync(out) && readFileSync(out).equals(body)

  const calibration = get()
  await calibration.started
  const t0 = Date.now()
  const end = await calibration.closed
  const windowMs = Date.now() - t0
  if (end.code !== 0 || !exact()) throw new Error(`an unkilled tornet get failed (${String(end.code)}): ${calibration.stderr()}`)
  rmSync(out)
  ctx.log(`unkilled get took ${windowMs} ms after its first output`)

  for (let round = 1; round <= ctx.opts.rounds; round++) {
    const run = get()
    const killAt = Math.round(ctx.random() * windowMs)
    const { killed, code } = await killAfterStart(run, killAt)
    if (killed) ctx.tally.killed++
    else if (code !== 0) finding(ctx, 'unclean', round, `tornet get exited with ${String(code)} before the kill: ${lastLine(run)}`)
    const saved = run.out.some(l => l.startsWith('saved '))
    if (saved) {
      ctx.tally.acknowledged++
      if (!exact()) finding(ctx, 'lost', round, `tornet get said "saved" but ${out} is not the file`)
    }
    const partBytes = existsSync(part) ? statSync(part).size : 0
    if (partBytes > 0) {
      const prefix = readFileSync(part)
      if (prefix.length > body.length || !prefix.equals(body.subarray(0, prefix.length))) {
        finding(ctx, 'corrupt', round, `the ${prefix.length}-byte .part is not a prefix of the file`)
      }
    }
    const check = await checkStore(home)
    if (check.corrupt > 0) finding(ctx, 'corrupt', round, `${check.corrupt} of ${check.chunks} chunks do not hash to their id`, check.corrupt)
    for (const p of check.problems) finding(ctx, 'unclean', round, p)

    // The restart: the same command again, to the end.
    const again = get()
    const r = await again.closed
    if (r.code !== 0 || !exact()) {
      finding(ctx, 'unclean', round, `the resumed tornet get exited with ${String(r.code)}${exact() ? '' : ' and the file is not byte-exact'}: ${lastLine(again)}`)
    } else if (partBytes > 0 && !saved && !/resumed after/.test(again.stderr())) {
      finding(ctx, 'unclean', round, `the restarted tornet get did not resume from the ${partBytes}-byte .part: ${lastLine(again)}`)
    }
    ctx.log(`round ${round}: ${killed ? `killed ${killAt} ms after its first output` : 'done before the kill'}, ` +
      `${saved ? 'acknowledged' : `left ${partBytes} bytes in .part`}; resumed run exited ${String(r.code)}`)
    rmSync(out, { force: true })
    rmSync(part, { force: true })
  }
  rmSync(siteDir, { recursive: true, force: true })
}

function lastLine (run: ChildRun): string {
  return run.stderr().trim().split('\n').pop() ?? ''
}
