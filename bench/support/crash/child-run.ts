import { type ChildProcess, spawn } from 'node:child_process'
import { mulberry32 } from '../../../src/node/transport/memory.js'

/**
 * A child process the crash rounds kill: its stdout lines are what it acknowledged (a line
 * written before the SIGKILL is read all the same, once the pipe closes), its stderr is kept
 * for the report. `started` resolves on the first output line matching `marker` (default:
 * any), which the rounds choose as the line a command prints as it begins to write (its store
 * is open by then), so kill times are drawn from the part of its life that writes.
 */
export interface ChildRun {
  child: ChildProcess
  /** Complete stdout lines so far. */
  readonly out: string[]
  stderr: () => string
  started: Promise<void>
  /** Resolves once the process is gone and both pipes are drained. */
  closed: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export function startChild (script: string, args: string[], marker: RegExp = /./): ChildRun {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  let partial = ''
  let errPartial = ''
  let err = ''
  let markStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => { markStarted = resolve })
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  child.stdout?.on('data', (s: string) => {
    partial += s
    const lines = partial.split('\n')
    partial = lines.pop() as string
    out.push(...lines)
    if (lines.some(l => marker.test(l))) markStarted()
  })
  child.stderr?.on('data', (s: string) => {
    err += s
    // Progress lines end in \r as well as \n.
    errPartial += s
    const lines = errPartial.split(/[\r\n]/)
    errPartial = lines.pop() as string
    if (lines.some(l => marker.test(l))) markStarted()
  })
  const closed = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      markStarted()
      // A last line without its newline was not acknowledged: the child died writing it.
      resolve({ code, signal })
    })
  })
  return { child, out, stderr: () => err, started, closed }
}

/**
 * Waits for the child's marker line, then `afterMs`, then SIGKILLs it if it is still running.
 * Returns whether the kill landed (false: the child had already exited by itself).
 */
export async function killAfterStart (run: ChildRun, afterMs: number): Promise<{ killed: boolean, code: number | null, ranMs: number }> {
  await run.started
  const t0 = Date.now()
  let exited = false
  void run.closed.then(() => { exited = true })
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, afterMs)
    void run.closed.then(() => { clearTimeout(t); resolve() })
  })
  const killed = !exited && run.child.exitCode === null && run.child.signalCode === null
  if (killed) run.child.kill('SIGKILL')
  const end = await run.closed
  return { killed: killed && end.signal === 'SIGKILL', code: end.code, ranMs: Date.now() - t0 }
}

/**
 * The span kill times are drawn from: an unkilled run's time from its marker to its exit, then
 * the time of each run that finished before its kill came (on a loaded machine the first run
 * may be much slower than the rest, and kills drawn from its span would mostly come too late),
 * growing by a tenth with every kill that landed (so a span set by one quick run, a download
 * that found most of its file cached, does not keep every later kill early).
 */
export class KillWindow {
  constructor (public ms: number, private readonly random: () => number) {}
  /** Draws the next kill time; until a run finishes by itself again, the span grows a little. */
  next (): number {
    const t = Math.round(this.random() * this.ms)
    this.ms *= 1.1
    return t
  }

  /** A run finished by itself after `ranMs`: later kills are drawn from that span. */
  finished (ranMs: number): void { this.ms = Math.max(50, ranMs) }
}

/** Seeded pseudo-random numbers in [0, 1) (the transport's mulberry32), so a round's kill time can be replayed. */
export const seededRandom = mulberry32

/** Runs a child to its end unkilled: how long it took from its marker line to its exit. */
export async function timedRun (script: string, args: string[], marker?: RegExp): Promise<{ run: ChildRun, code: number | null, windowMs: number }> {
  const run = startChild(script, args, marker)
  await run.started
  const t0 = Date.now()
  const { code } = await run.closed
  return { run, code, windowMs: Date.now() - t0 }
}
