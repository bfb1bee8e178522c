import { randomBytes } from 'node:crypto'
import { blobHash } from '../../test/helpers/tunnel-blob.js'
import { startNodeProcs, type NodeProc } from './node-procs.js'
import { progress } from '../util.js'
import { MiB, round } from './stats.js'

/**
 * bench/tunnel.ts's throughput figure with every node in a process of its own
 * (node-procs.ts), each held to the same CPU share: the circuit's client,
 * entry, middle and exit among `nodes` processes, against one direct link
 * stream between two processes held to the same share. The load on a shared
 * machine drifts, so direct and circuit runs alternate (direct, circuit,
 * direct, … , direct: `rounds` circuits), each circuit is set against the mean
 * of the direct runs either side of it, and the figure is the median of those
 * ratios.
 */
export interface ProcsRound {
  tunnelMs: number
  /** The mean of the direct runs before and after this circuit run. */
  directMs: number
  ratio: number
  /** CPU ms each role spent during the circuit's transfer. */
  roleCpuMs: { client: number, entry: number, middle: number, exit: number }
}

export interface ProcsThroughput {
  /** The median round's figures. */
  median: ProcsRound
  ratios: number[]
  directMsEach: number[]
  quota: string
  /** CPU ms of the direct stream's sender and receiver (mean of the direct runs). */
  directCpuMs: { sender: number, receiver: number }
}

export async function throughputInProcesses (bytes: number, opts: { nodes: number, rounds: number, cpus?: number, probeMtu?: number }): Promise<ProcsThroughput> {
  const mib = round(bytes / MiB)
  const directs: Array<Awaited<ReturnType<typeof directBetweenProcesses>>> = []
  const direct = async (): Promise<void> => {
    progress(`tunnel (processes): ${mib} MiB over one direct link stream between two processes (${directs.length + 1} of ${opts.rounds + 1})…`)
    directs.push(await directBetweenProcesses(bytes, opts))
  }
  await direct()
  progress(`tunnel (processes): starting ${opts.nodes} node processes…`)
  const net = await startNodeProcs(opts.nodes, { cpus: opts.cpus })
  const rounds: ProcsRound[] = []
  try {
    const made: Array<{ id: string, endpoint: unknown }> = []
    for (const p of net.procs) made.push(await p.call<{ id: string, endpoint: unknown }>('init-node', { probeMtu: opts.probeMtu }))
    for (const p of net.procs.slice(1)) await p.call('bootstrap', { seed: made[0].endpoint })
    // A second round lets early joiners learn about the late ones (as createTestnet does).
    await Promise.all(net.procs.map(async p => await p.call('refresh')))
    await Promise.all(net.procs.map(async p => await p.call('start')))
    for (let r = 0; r < opts.rounds; r++) {
      progress(`tunnel (processes): ${mib} MiB through 3 hops (${r + 1} of ${opts.rounds})…`)
      const c = await transferThroughCircuit(net.procs, made.map(m => m.id), bytes)
      await direct()
      const directMs = (directs[r].ms + directs[r + 1].ms) / 2
      rounds.push({ tunnelMs: c.ms, directMs, ratio: directMs / c.ms, roleCpuMs: c.roleCpuMs })
    }
  } finally {
    await net.close()
  }
  const byRatio = [...rounds].sort((a, b) => a.ratio - b.ratio)
  const mean = (f: (d: typeof directs[number]) => number): number => directs.reduce((s, d) => s + f(d), 0) / directs.length
  return {
    median: byRatio[Math.floor((byRatio.length - 1) / 2)],
    ratios: rounds.map(r => round(r.ratio, 3)),
    directMsEach: directs.map(d => round(d.ms)),
    quota: directs[0].quota,
    directCpuMs: { sender: mean(d => d.senderCpuMs), receiver: mean(d => d.receiverCpuMs) }
  }
}

/** procs[0] builds a 3-hop circuit and fetches `bytes` of the exit's blob; each role's CPU during it. */
async function transferThroughCircuit (procs: NodeProc[], ids: string[], bytes: number): Promise<{ ms: number, roleCpuMs: ProcsRound['roleCpuMs'] }> {
  const seed = randomBytes(32)
  const cpu0 = await Promise.all(procs.map(async p => await p.call<number>('cpu')))
  const got = await procs[0].call<{ ms: number, bytes: number, hash: string, hops: string[] }>('fetch', { hops: 3, bytes, seed: seed.toString('hex') })
  const cpu1 = await Promise.all(procs.map(async p => await p.call<number>('cpu')))
  if (got.bytes !== bytes || got.hash !== blobHash(seed, bytes)) throw new Error('tunnel bench: the bytes through the circuit differ from what was sent')
  const spent = (id: string): number => {
    const i = ids.indexOf(id)
    if (i < 0) throw new Error(`tunnel bench: hop ${id.slice(0, 12)} is none of the node processes`)
    return cpu1[i] - cpu0[i]
  }
  return {
    ms: got.ms,
    roleCpuMs: { client: cpu1[0] - cpu0[0], entry: spent(got.hops[0]), middle: spent(got.hops[1]), exit: spent(got.hops[2]) }
  }
}

async function directBetweenProcesses (bytes: number, opts: { cpus?: number, probeMtu?: number }): Promise<{ ms: number, quota: string, senderCpuMs: number, receiverCpuMs: number }> {
  const net = await startNodeProcs(2, { cpus: opts.cpus })
  try {
    const [a, b] = net.procs
    await a.call('init-link', { probeMtu: opts.probeMtu })
    const to = await b.call('init-link', { probeMtu: opts.probeMtu })
    const cpu0 = await Promise.all([a.call<number>('cpu'), b.call<number>('cpu')])
    const ended = b.next('direct-end')
    const sent = await a.call<{ startAt: number }>('direct-send', { to, bytes, seed: randomBytes(32).toString('hex') })
    const end = await ended
    const cpu1 = await Promise.all([a.call<number>('cpu'), b.call<number>('cpu')])
    return { ms: (end.at as number) - sent.startAt, quota: net.quota, senderCpuMs: cpu1[0] - cpu0[0], receiverCpuMs: cpu1[1] - cpu0[1] }
  } finally {
    await net.close()
  }
}
