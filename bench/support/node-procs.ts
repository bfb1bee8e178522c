import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { supportScript } from './child.js'

/**
 * Nodes each in a process of its own (bench/support/node-proc-child.ts), as in
 * a deployed network where every node is a machine: a relay's work then runs
 * beside, not after, its neighbours'. `cpus` gives every process the same CPU
 * quota through a cgroup (v1 `cpu` or v2 `cpu.max`), so a run with more
 * processes than this machine has cores still gives each node the same
 * share, the share it would have had with a CPU of that speed to itself.
 */
export interface NodeProc {
  readonly pid: number
  call: <T = unknown>(cmd: string, args?: Record<string, unknown>) => Promise<T>
  /** Resolves with the next { event, ... } message this process sends. */
  next: (event: string) => Promise<Record<string, unknown>>
}

export interface NodeProcs {
  procs: NodeProc[]
  /** How the processes' CPU is bounded: `cgroup v1 0.4 cpu each`, or why it is not. */
  quota: string
  close: () => Promise<void>
}

export async function startNodeProcs (count: number, opts: { cpus?: number } = {}): Promise<NodeProcs> {
  const children: ChildProcess[] = []
  const group = opts.cpus === undefined ? undefined : cpuGroup(opts.cpus)
  const close = async (): Promise<void> => {
    await Promise.all(children.map(async c => {
      if (c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise<void>(resolve => { c.once('exit', () => { resolve() }) })
      if (c.connected) c.disconnect()
      const timer = setTimeout(() => { c.kill('SIGKILL') }, 10_000)
      await exited
      clearTimeout(timer)
    }))
    group?.remove()
  }
  try {
    const procs: NodeProc[] = []
    for (let i = 0; i < count; i++) {
      const child = fork(supportScript('node-proc-child'), [], { execArgv: [...process.execArgv, ...profileArgs()], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      children.push(child)
      await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject) })
      if (group !== undefined && child.pid !== undefined) group.add(child.pid, i)
      procs.push(driver(child))
    }
    return { procs, quota: group?.describe ?? (opts.cpus === undefined ? 'none asked' : `none: ${cpuGroupUnavailable()}`), close }
  } catch (err) {
    await close()
    throw err
  }
}

function driver (child: ChildProcess): NodeProc {
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  const waiters = new Map<string, Array<(msg: Record<string, unknown>) => void>>()
  child.on('message', (msg: { id?: number, ok?: boolean, result?: unknown, error?: string, event?: string }) => {
    if (msg.event !== undefined) {
      const list = waiters.get(msg.event) ?? []
      waiters.delete(msg.event)
      for (const w of list) w(msg)
      return
    }
    const p = pending.get(msg.id ?? -1)
    if (p === undefined) return
    pending.delete(msg.id ?? -1)
    if (msg.ok === true) p.resolve(msg.result)
    else p.reject(new Error(`node process ${String(child.pid)}: ${msg.error ?? 'failed'}`))
  })
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`node process ${String(child.pid)} exited (${String(code ?? signal)})`))
    pending.clear()
  })
  return {
    pid: child.pid ?? -1,
    call: async <T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> => {
      const id = nextId++
      return await new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.send({ id, cmd, args })
      })
    },
    next: async (event: string): Promise<Record<string, unknown>> => {
      return await new Promise<Record<string, unknown>>(resolve => {
        const list = waiters.get(event) ?? []
        list.push(resolve)
        waiters.set(event, list)
      })
    }
  }
}

/** TORNET_BENCH_CPU_PROF=DIR: every node process writes a V8 CPU profile (by pid) into DIR as it exits. */
function profileArgs (): string[] {
  const dir = process.env.TORNET_BENCH_CPU_PROF
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}

/** CFS period: short, so a throttled node stalls its neighbours for milliseconds, not tenths of a second. */
const PERIOD_US = 10_000

interface CpuGroup {
  describe: string
  add: (pid: number, index: number) => void
  remove: () => void
}

const V1_ROOT = '/sys/fs/cgroup/cpu'
/** Groups made by this process so far: each set of node processes gets its own parent group. */
let groups = 0
const V2_ROOT = '/sys/fs/cgroup'

/** A parent cgroup for this run with one child group per process, each held to `cpus` CPUs; undefined when cgroups are not writable here. */
function cpuGroup (cpus: number): CpuGroup | undefined {
  const quota = Math.max(1000, Math.round(cpus * PERIOD_US))
  const name = `tornet-bench-${process.pid}-${++groups}`
  const made: string[] = []
  try {
    // cgroup v1's cpu hierarchy, or v2's unified one with the cpu controller.
    const v1 = existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))
    if (!v1 && !readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return undefined
    const base = join(v1 ? V1_ROOT : V2_ROOT, name)
    mkdirSync(base)
    made.push(base)
    if (!v1) writeFileSync(join(base, 'cgroup.subtree_control'), '+cpu')
    const limits: Array<[string, string]> = v1
      ? [['cpu.cfs_period_us', String(PERIOD_US)], ['cpu.cfs_quota_us', String(quota)]]
      : [['cpu.max', `${quota} ${PERIOD_US}`]]
    return {
      describe: `cgroup ${v1 ? 'v1' : 'v2'}, ${cpus} CPU per node process`,
      add: (pid, i) => {
        const g = join(base, `p${i}`)
        mkdirSync(g)
        made.push(g)
        for (const [file, value] of limits) writeFileSync(join(g, file), value)
        writeFileSync(join(g, 'cgroup.procs'), String(pid))
      },
      remove: () => { removeGroups(made) }
    }
  } catch {
    removeGroups(made)
  }
  return undefined
}

function removeGroups (dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try { rmdirSync(d) } catch {}
  }
  dirs.length = 0
}

function cpuGroupUnavailable (): string {
  return 'cgroups are not writable here (run as root where /sys/fs/cgroup/cpu or cgroup v2 with the cpu controller is mounted read-write)'
}
