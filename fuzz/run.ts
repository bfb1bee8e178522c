/**
 * npm run fuzz -- <target|all|list> [--runs N] [--seed S] [--hang-ms M] [--report file.json]
 *
 * Each target runs in a child process of its own (so max RSS is the target's, and a decoder
 * stuck in a loop is killed by a watchdog and reported as a hang). Prints one line per target
 * (cases, crashes, hangs, max RSS, heap before / at 10 % / after, all after a full GC), then
 * every distinct finding with its input in hex; exits 1 when anything crashed or hung.
 */
import { fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runTarget, type RunResult } from './harness.js'
import { TARGETS, targetNamed } from './targets/index.js'

interface ChildReport extends RunResult {
  maxRssKiB: number
  heapBeforeBytes: number
  heapEarlyBytes: number
  heapAfterBytes: number
}

interface Progress { type: 'progress', done: number }
interface Done { type: 'done', report: ChildReport }
type ChildMessage = Progress | Done

interface Options { what: string, runs: number, seed: number, hangMs: number, report?: string, watchdogMs: number }

function parseArgs (argv: string[]): Options & { child?: string } {
  const o: Options & { child?: string } = { what: 'list', runs: 10_000, seed: 42, hangMs: 1000, watchdogMs: 120_000 }
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--runs') o.runs = Number(next())
    else if (a === '--seed') o.seed = Number(next())
    else if (a === '--hang-ms') o.hangMs = Number(next())
    else if (a === '--watchdog-ms') o.watchdogMs = Number(next())
    else if (a === '--report') o.report = next()
    else if (a === '--child') o.child = next()
    else rest.push(a)
  }
  if (rest.length > 0) o.what = rest[0]
  if (!Number.isSafeInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  if (!Number.isSafeInteger(o.seed)) throw new Error('--seed must be an integer')
  return o
}

function heapAfterGc (): number {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

async function runChild (name: string, o: Options): Promise<void> {
  const target = targetNamed(name)
  if (target === undefined) throw new Error(`unknown fuzz target ${name}`)
  const send = (m: ChildMessage): void => { process.send?.(m) }
  const heapBefore = heapAfterGc()
  let heapEarly = heapBefore
  const early = Math.max(1, Math.floor(o.runs / 10))
  let sawEarly = false
  const result = await runTarget(target, {
    runs: o.runs,
    seed: o.seed,
    hangMs: o.hangMs,
    batch: 5000,
    onBatch: done => {
      if (!sawEarly && done >= early) { sawEarly = true; heapEarly = heapAfterGc() }
      send({ type: 'progress', done })
    }
  })
  const heapAfter = heapAfterGc()
  send({ type: 'done', report: { ...result, maxRssKiB: process.resourceUsage().maxRSS, heapBeforeBytes: heapBefore, heapEarlyBytes: heapEarly, heapAfterBytes: heapAfter } })
}

const MiB = (b: number): string => (b / 1048576).toFixed(1)

async function runOne (name: string, o: Options): Promise<ChildReport> {
  const script = fileURLToPath(import.meta.url)
  const child = fork(script, ['--child', name, '--runs', String(o.runs), '--seed', String(o.seed), '--hang-ms', String(o.hangMs)], {
    execArgv: ['--expose-gc', '--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  return await new Promise<ChildReport>((resolve) => {
    let report: ChildReport | undefined
    let lastDone = 0
    const started = Date.now()
    const watchdog = (): NodeJS.Timeout => setTimeout(() => {
      // No progress for a whole batch window: a decoder is stuck. Kill it and say so.
      child.kill('SIGKILL')
      report = {
        target: name, cases: lastDone, accepted: 0, crashes: 0, hangs: 1, slowestMs: Date.now() - started, elapsedMs: Date.now() - started,
        findings: [{ kind: 'hang', signature: 'watchdog', inputHex: '', detail: `no progress for ${o.watchdogMs} ms after ${lastDone} cases`, count: 1 }],
        maxRssKiB: 0, heapBeforeBytes: 0, heapEarlyBytes: 0, heapAfterBytes: 0
      }
    }, o.watchdogMs)
    let timer = watchdog()
    child.on('message', (m: ChildMessage) => {
      clearTimeout(timer)
      if (m.type === 'progress') { lastDone = m.done; timer = watchdog() } else report = m.report
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(report ?? {
        target: name, cases: lastDone, accepted: 0, crashes: 1, hangs: 0, slowestMs: 0, elapsedMs: Date.now() - started,
        findings: [{ kind: 'throw', signature: 'child died', inputHex: '', detail: `the fuzz process exited (code ${String(code)}, signal ${String(signal)})`, count: 1 }],
        maxRssKiB: 0, heapBeforeBytes: 0, heapEarlyBytes: 0, heapAfterBytes: 0
      })
    })
  })
}

async function main (): Promise<void> {
  const o = parseArgs(process.argv.slice(2))
  if (o.child !== undefined) { await runChild(o.child, o); return }
  if (o.what === 'list') {
    for (const t of TARGETS) console.log(`${t.name.padEnd(28)} ${t.about}`)
    return
  }
  const names = o.what === 'all' ? TARGETS.map(t => t.name) : o.what.split(',')
  for (const n of names) if (targetNamed(n) === undefined) throw new Error(`unknown fuzz target ${n} (npm run fuzz -- list)`)
  console.log(`fuzz: ${names.length} target(s), ${o.runs} cases each, seed ${o.seed}, hang bound ${o.hangMs} ms per case`)
  console.log('target                       cases      accepted   crashes hangs  slowest ms  max RSS MiB  heap MiB before / 10% / after  seconds')
  const reports: ChildReport[] = []
  for (const n of names) {
    const r = await runOne(n, o)
    reports.push(r)
    console.log(`${r.target.padEnd(28)} ${String(r.cases).padStart(9)}  ${String(r.accepted).padStart(9)}  ${String(r.crashes).padStart(7)} ${String(r.hangs).padStart(5)}  ${r.slowestMs.toFixed(1).padStart(10)}  ${(r.maxRssKiB / 1024).toFixed(1).padStart(11)}  ${MiB(r.heapBeforeBytes).padStart(6)} / ${MiB(r.heapEarlyBytes).padStart(6)} / ${MiB(r.heapAfterBytes).padStart(6)}  ${(r.elapsedMs / 1000).toFixed(0).padStart(7)}`)
    for (const f of r.findings) {
      console.log(`  ${f.kind} ×${f.count}: ${f.signature}\n    input (hex): ${f.inputHex.slice(0, 600)}\n    ${f.detail.split('\n').slice(0, 4).join('\n    ')}`)
    }
  }
  const crashes = reports.reduce((s, r) => s + r.crashes, 0)
  const hangs = reports.reduce((s, r) => s + r.hangs, 0)
  const cases = reports.reduce((s, r) => s + r.cases, 0)
  console.log(`total: ${cases} cases, ${crashes} crashes, ${hangs} hangs`)
  if (o.report !== undefined) writeFileSync(o.report, JSON.stringify({ runs: o.runs, seed: o.seed, reports }, null, 2))
  if (crashes > 0 || hangs > 0) process.exitCode = 1
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 2
})
