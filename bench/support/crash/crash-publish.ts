import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { KillWindow, killAfterStart, startChild, timedRun } from './child-run.js'
import { type CrashContext, cliHome, finding } from './crash-rounds.js'
import { checkStore, readLocally } from './store-check.js'

/**
 * `tornet publish` of a new small site each round (a 1 MiB file and two small ones, so both
 * split and packed chunks are written) into the same data directory, killed at a random
 * moment. Acknowledged: the URL it printed. After each kill, every site acknowledged so far
 * must still be whole in the store: the new ones read back byte-exact from the store alone,
 * the older ones still hold every chunk they read back from.
 */
interface Site { dir: string, files: Map<string, string> }

function makeSite (ctx: CrashContext, round: number): Site {
  const dir = mkdtempSync(join(ctx.work, 'site-'))
  const files = new Map<string, string>()
  const put = (rel: string, body: Buffer): void => {
    mkdirSync(join(dir, ...rel.split('/').slice(0, -1)), { recursive: true })
    writeFileSync(join(dir, ...rel.split('/')), body)
    files.set(rel, createHash('sha256').update(body).digest('hex'))
  }
  put('big.bin', randomBytes((1 << 20) + 977 * round))
  put('index.html', Buffer.from(`<h1>round ${round}</h1>${randomBytes(8).toString('hex')}`))
  put('notes/round.txt', randomBytes(3000 + round))
  return { dir, files }
}

/** Printed as encoding begins: kill times are drawn from here to the exit. */
const MARKER = /^publishing /

const referenceOf = (line: string): string | undefined => /^http:\/\/([a-z2-7]+\.[a-z2-7]+)\.tor-net\/$/.exec(line)?.[1]

export async function publishRounds (ctx: CrashContext): Promise<void> {
  const home = cliHome(ctx, 'publish')
  const args = (site: Site): string[] => [ctx.opts.cli, 'publish', site.dir, '--replicas', '0', '--data-dir', home]
  const acked: Array<{ reference: string, round: number, chunkIds: Buffer[] }> = []
  const pending: Array<{ reference: string, round: number, site: Site }> = []

  // An unkilled run first: the span kill times are drawn from, and a check of the set-up.
  const first = makeSite(ctx, -1)
  const { run: calibration, code: firstCode, windowMs } = await timedRun(args(first)[0], args(first).slice(1), MARKER)
  const firstRef = calibration.out.map(referenceOf).find(r => r !== undefined)
  if (firstCode !== 0 || firstRef === undefined) throw new Error(`an unkilled tornet publish failed (${String(firstCode)}): ${calibration.stderr()}`)
  pending.push({ reference: firstRef, round: 0, site: first })
  ctx.log(`an unkilled publish took ${windowMs} ms from "publishing" to its exit`)
  const kills = new KillWindow(windowMs, ctx.random)

  for (let round = 1; round <= ctx.opts.rounds; round++) {
    const site = makeSite(ctx, round)
    const run = startChild(args(site)[0], args(site).slice(1), MARKER)
    const killAt = kills.next()
    const { killed, code, ranMs } = await killAfterStart(run, killAt)
    if (killed) ctx.tally.killed++
    else kills.finished(ranMs)
    if (!killed && code !== 0) finding(ctx, 'unclean', round, `tornet publish exited with ${String(code)} before the kill: ${run.stderr().trim().split('\n').pop() ?? ''}`)
    const reference = run.out.map(referenceOf).find(r => r !== undefined)
    if (reference !== undefined) { pending.push({ reference, round, site }); ctx.tally.acknowledged++ }
    const check = await checkStore(home, async (store) => {
      const lost: string[] = []
      for (const p of pending.splice(0)) {
        const r = await readLocally(store, p.reference, p.site.files)
        if ('missing' in r) lost.push(`the site of round ${p.round} does not read back: ${r.missing}`)
        else acked.push({ reference: p.reference, round: p.round, chunkIds: r.chunkIds })
        rmSync(p.site.dir, { recursive: true, force: true })
      }
      for (const a of acked) {
        const gone = a.chunkIds.filter(id => !store.chunks.has(id)).length
        if (gone > 0) lost.push(`the site of round ${a.round} lost ${gone} chunks`)
      }
      return lost
    })
    if (reference === undefined) rmSync(site.dir, { recursive: true, force: true })
    if (check.corrupt > 0) finding(ctx, 'corrupt', round, `${check.corrupt} of ${check.chunks} chunks do not hash to their id`, check.corrupt)
    for (const p of check.problems) finding(ctx, 'unclean', round, p)
    for (const l of check.inspected ?? []) finding(ctx, 'lost', round, l)
    ctx.log(`round ${round}: ${killed ? `killed ${killAt} ms after "publishing"` : 'done before the kill'}` +
      `${reference !== undefined ? ', acknowledged' : ''}; ${check.chunks} chunks in the store`)
  }
}
