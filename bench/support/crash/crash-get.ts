import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CHUNK_MAX_PLAIN_BYTES } from '../../../src/node/crypto/chunk-cipher.js'
import { type ChildRun, KillWindow, killAfterStart, startChild, timedRun } from './child-run.js'
import { type CrashContext, cliHome, finding } from './crash-rounds.js'
import { checkStore } from './store-check.js'

/**
 * `tornet get` of a 6 MiB file a test-network node published, killed at a random moment, round
 * after round: each run is the restart of the one killed before it and must go on from the
 * .part that one left (its length never goes back), and a run that completes must say it
 * resumed and end byte-exact; after the last round an unkilled run finishes the file.
 * Corrupt: a .part that is not a prefix of the file, or a chunk in the downloader's store that
 * does not hash to its id. Acknowledged: "saved …" on stdout (the file is then byte-exact).
 */
export const GET_FILE_BYTES = 6 * 1024 * 1024
/** Printed once the node joined, before the download: kill times are drawn from here to the exit. */
const MARKER = /^joined|^no peer answered/

export async function getRounds (ctx: CrashContext): Promise<void> {
  const net = ctx.net
  if (net === undefined) throw new Error('get rounds need the test network')
  // A new file for each download: the downloader's store caches what it fetched, and a file
  // already there would be read from it, not from the network.
  let files = 0
  const publishFile = async (): Promise<{ body: Buffer, host: string }> => {
    const body = randomBytes(GET_FILE_BYTES)
    const siteDir = mkdtempSync(join(ctx.work, 'get-site-'))
    writeFileSync(join(siteDir, 'big.bin'), body)
    const { host } = await net.nodes[1 + files++ % 3].publish(siteDir)
    rmSync(siteDir, { recursive: true, force: true })
    return { body, host }
  }
  let file = await publishFile()
  const home = cliHome(ctx, 'get')
  const out = join(ctx.work, 'got.bin')
  const part = `${out}.part`
  const args = (): string[] => ['get', `${file.host}/big.bin`, '-o', out, '--data-dir', home]
  const get = (): ChildRun => startChild(ctx.opts.cli, args(), MARKER)
  const exact = (): boolean => existsSync(out) && readFileSync(out).equals(file.body)

  const { run: calibration, code: firstCode, windowMs } = await timedRun(ctx.opts.cli, args(), MARKER)
  if (firstCode !== 0 || !exact()) throw new Error(`an unkilled tornet get failed (${String(firstCode)}): ${calibration.stderr()}`)
  rmSync(out)
  file = await publishFile()
  ctx.log(`an unkilled get took ${windowMs} ms from joining to its exit`)
  const kills = new KillWindow(windowMs, ctx.random)

  let before = 0 // bytes of .part the previous round left
  for (let round = 1; round <= ctx.opts.rounds; round++) {
    // Each round's child is also the restart of the one killed before it: it must go on from
    // the .part that one left.
    const run = get()
    const killAt = kills.next()
    const { killed, code, ranMs } = await killAfterStart(run, killAt)
    if (killed) ctx.tally.killed++
    // Only a download from the start says how long one takes (a resumed one may have had a byte left).
    else if (before === 0) kills.finished(ranMs)
    if (!killed && code !== 0) finding(ctx, 'unclean', round, `tornet get exited with ${String(code)} before the kill: ${lastLine(run)}`)
    const saved = run.out.some(l => l.startsWith('saved '))
    if (saved) {
      ctx.tally.acknowledged++
      if (!exact()) finding(ctx, 'lost', round, `tornet get said "saved" but ${out} is not the file`)
      if (wholeParts(before) > 0 && !/resumed after/.test(run.stderr())) finding(ctx, 'unclean', round, `tornet get did not resume from the ${before}-byte .part: ${lastLine(run)}`)
    }
    const partBytes = existsSync(part) ? statSync(part).size : 0
    if (partBytes > 0) {
      const prefix = readFileSync(part)
      if (prefix.length > file.body.length || !prefix.equals(file.body.subarray(0, prefix.length))) {
        finding(ctx, 'corrupt', round, `the ${prefix.length}-byte .part is not a prefix of the file`)
      }
    }
    // Killed between the rename and "saved": the file is complete, and must be the file.
    const renamed = !saved && existsSync(out)
    if (renamed && !exact()) finding(ctx, 'corrupt', round, `${out} was renamed into place but is not the file`)
    // A restart keeps the whole parts of the .part (each checked); a part cut short comes again.
    if (!saved && !renamed && partBytes < wholeParts(before)) finding(ctx, 'unclean', round, `the .part shrank from ${before} to ${partBytes} bytes: the restart did not keep what had arrived`)
    const check = await checkStore(home)
    if (check.corrupt > 0) finding(ctx, 'corrupt', round, `${check.corrupt} of ${check.chunks} chunks do not hash to their id`, check.corrupt)
    for (const p of check.problems) finding(ctx, 'unclean', round, p)
    ctx.log(`round ${round}: ${killed ? `killed ${killAt} ms after joining` : 'done before the kill'}, ` +
      `${saved ? `acknowledged${before > 0 ? ` (resumed after ${before} bytes)` : ''}` : `${partBytes} bytes in .part`}`)
    before = saved ? 0 : partBytes
    if (saved) { rmSync(out, { force: true }); file = await publishFile() } // the next round starts another
  }

  // The last restart, unkilled: it ends the download byte-exact.
  const last = get()
  const r = await last.closed
  if (r.code !== 0 || !exact()) finding(ctx, 'unclean', ctx.opts.rounds, `the final, unkilled tornet get exited with ${String(r.code)}: ${lastLine(last)}`)
  else if (wholeParts(before) > 0 && !/resumed after/.test(last.stderr())) finding(ctx, 'unclean', ctx.opts.rounds, `the final tornet get did not resume from the ${before}-byte .part`)
  rmSync(out, { force: true })
}

/** The bytes of whole parts in the first `n` bytes of a file (parts are CHUNK_MAX_PLAIN_BYTES). */
function wholeParts (n: number): number {
  return n - n % CHUNK_MAX_PLAIN_BYTES
}

function lastLine (run: ChildRun): string {
  return run.stderr().trim().split('\n').pop() ?? ''
}
