import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { writeHeapSnapshot } from 'node:v8'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { serveGateway, type ServedGateway } from '../../../src/cli/serve/serve-gateway.js'
import { createNode, createTestnet, parseReference, type NodeTimers, type Testnet, type TornetNode } from '../../../src/node/index.js'
import { writePseudoRandomFile, writeSmallSite } from '../files.js'
import { SHIPPED_DATAGRAM } from '../local-net.js'
import { ProxyClient } from '../proxy-get.js'
import { MiB, median, round } from '../stats.js'
import { emit, progress, setDatagramBytes, sleep } from '../../util.js'

/**
 * Soak (issue 21 item 7): --nodes (10) real nodes on 127.0.0.1 (UDP, LMDB) in
 * this process under mixed traffic for --minutes of wall time:
 *
 *   browse    GETs of pages of published sites through node 0's gateway (HTTP proxy,
 *             absolute form); every --site-seconds (30) node 1 publishes the next version of
 *             one of --sites (6) site slots, versions cycling over 3 (so the same contents,
 *             the same chunks, come back: a fixed working set of 18 sites)
 *   download  a random node reads the published 1 MiB file (transient: not kept)
 *   names     the owner of one of --names (200) names (name i belongs to node 1 + i mod (nodes-1))
 *             registers it again pointing at a random site (the first time a claim, then an
 *             update of its chain), another node looks it up
 *   kv        a random node puts one of 50 keys (with --timer-seconds, a TTL of 12 timer
 *             periods, so held records expire and are pruned), another gets it
 *   churn     every --churn-seconds (20) one of nodes 2.. stops and a fresh node starts on
 *             its data dir (same identity), joins through node 0 and starts
 *
 * --grow: the old unbounded load instead (a new name per names op, a new site per publish).
 *
 * Timers (--timer-seconds T, default 5; 0 keeps the defaults): routing refresh check every T,
 * buckets stale after 6T, kv republish, chunk re-announce and names maintenance every 12T,
 * catch-up after start() T (node.ts NodeTimers). With T = 5: 60 s instead of 1 h, so an hour
 * of wall time runs about 60 rounds of each.
 *
 * Every --sample-seconds (5): RSS, heap used (after gc when run with --expose-gc), open file
 * descriptors (/proc/self/fd), the bytes on disk of the nodes' data dirs, and the event loop's
 * p99 delay over the interval. Figures: the median of each quarter of the samples, the last
 * quarter against the first, and the slope (least squares, per minute) over the second half.
 * Failed operations are counted, not fatal. Process warnings (e.g. MaxListenersExceeded) are
 * printed with their stack and counted. --heap-snapshots DIR writes a heap snapshot before the
 * traffic starts and one after it stops (compare with bench/support/soak/heap-diff.ts).
 *
 *   npm run soak -- [--minutes 5] [--nodes 10] [--sample-seconds 5] [--churn-seconds 20] [--site-seconds 30]
 *                   [--names 200] [--sites 6] [--timer-seconds 5] [--grow] [--heap-snapshots DIR]
 */

interface Sample { t: number, rssMiB: number, heapMiB: number, fds: number, diskMiB: number, loopP99Ms: number }
interface Counter { ok: number, errors: number, lastError?: string }

const NAME_DIFFICULTY = 8
const OP_TIMEOUT_MS = 30_000

function fdCount (): number {
  try { return readdirSync('/proc/self/fd').length } catch { return NaN }
}

/** Bytes allocated on disk under `dir` (LMDB files are sparse: blocks, not length). */
function diskBytes (dir: string): number {
  let total = 0
  let entries: string[]
  try { entries = readdirSync(dir) } catch { return 0 }
  for (const e of entries) {
    const p = join(dir, e)
    try {
      const s = statSync(p)
      total += s.isDirectory() ? diskBytes(p) : s.blocks * 512
    } catch { /* removed meanwhile */ }
  }
  return total
}

async function withTimeout<T> (what: string, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      f(ac.signal),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { ac.abort(); reject(new Error(`${what}: no result in ${OP_TIMEOUT_MS} ms`)) }, OP_TIMEOUT_MS)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

function pick<T> (xs: readonly T[]): T { return xs[Math.floor(Math.random() * xs.length)] }

/** Medians of the four quarters of `xs` (first and last as well); fewer than 4 samples: each quarter of at least one. */
export function quarters (xs: number[]): { first: number, last: number, q: number[] } {
  const q = Math.max(1, Math.floor(xs.length / 4))
  const qs = [0, 1, 2, 3].map(i => i < 3 ? xs.slice(i * q, (i + 1) * q) : xs.slice(3 * q))
  const medians = qs.map(part => part.length === 0 ? NaN : median(part))
  return { first: median(xs.slice(0, q)), last: median(xs.slice(-q)), q: medians }
}

/** Least-squares slope of y over t (per unit of t); NaN with fewer than two distinct t. */
export function slope (t: number[], y: number[]): number {
  const n = Math.min(t.length, y.length)
  if (n < 2) return NaN
  const mt = t.slice(0, n).reduce((a, b) => a + b, 0) / n
  const my = y.slice(0, n).reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) { num += (t[i] - mt) * (y[i] - my); den += (t[i] - mt) ** 2 }
  return den === 0 ? NaN : num / den
}

export async function runSoak (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: 'string', default: '5' },
      nodes: { type: 'string', default: '10' },
      'sample-seconds': { type: 'string', default: '5' },
      'churn-seconds': { type: 'string', default: '20' },
      'site-seconds': { type: 'string', default: '30' },
      names: { type: 'string', default: '200' },
      sites: { type: 'string', default: '6' },
      'timer-seconds': { type: 'string', default: '5' },
      grow: { type: 'boolean', default: false },
      'heap-snapshots': { type: 'string' }
    }
  })
  const minutes = Number(values.minutes)
  const size = Number(values.nodes)
  const sampleMs = Number(values['sample-seconds']) * 1000
  const churnMs = Number(values['churn-seconds']) * 1000
  const siteMs = Number(values['site-seconds']) * 1000
  const nameCount = Number(values.names)
  const siteSlots = Number(values.sites)
  const timerMs = Number(values['timer-seconds']) * 1000
  const grow = values.grow === true
  const snapshotDir = values['heap-snapshots']
  if (!(minutes > 0) || !Number.isInteger(size) || size < 3 || !(sampleMs > 0) || !(churnMs > 0) || !(siteMs > 0) ||
    !Number.isInteger(nameCount) || nameCount < 1 || !Number.isInteger(siteSlots) || siteSlots < 1 || !(timerMs >= 0)) {
    throw new Error('usage: soak [--minutes N>0] [--nodes N>=3] [--sample-seconds N>0] [--churn-seconds N>0] [--site-seconds N>0] ' +
      '[--names N>=1] [--sites N>=1] [--timer-seconds N>=0] [--grow] [--heap-snapshots DIR]')
  }
  const timers: NodeTimers | undefined = timerMs === 0
    ? undefined
    : { routingRefreshMs: timerMs, bucketStaleMs: 6 * timerMs, kvRepublishMs: 12 * timerMs, chunkRepublishMs: 12 * timerMs, namesMaintenanceMs: 12 * timerMs, catchUpMs: timerMs }
  const kvTtlMs = timerMs === 0 ? undefined : 12 * timerMs
  const SITE_VERSIONS = 3
  const warnings: string[] = []
  const onWarning = (w: Error): void => {
    warnings.push(w.name)
    progress(`warning: ${w.stack ?? `${w.name}: ${w.message}`}`)
  }
  process.on('warning', onWarning)
  const loadBefore = round(loadavg()[0], 2)
  const gc = (globalThis as { gc?: () => void }).gc
  const work = mkdtempSync(join(tmpdir(), 'tornet-soak-'))
  const counters: Record<string, Counter> = { browse: { ok: 0, errors: 0 }, download: { ok: 0, errors: 0 }, publish: { ok: 0, errors: 0 }, names: { ok: 0, errors: 0 }, kv: { ok: 0, errors: 0 }, churn: { ok: 0, errors: 0 } }
  const samples: Sample[] = []
  let net: Testnet | undefined
  let served: ServedGateway | undefined
  let client: ProxyClient | undefined
  let stopping = false
  const loop = monitorEventLoopDelay({ resolution: 10 })
  try {
    progress(`starting ${size} nodes and the gateway on node 0…`)
    setDatagramBytes(SHIPPED_DATAGRAM)
    net = await createTestnet(size, { probeMtu: SHIPPED_DATAGRAM, nameDifficulty: NAME_DIFFICULTY, timers })
    const nodes = net.nodes
    const dirs = net.dirs
    served = await serveGateway(nodes[0], { host: '127.0.0.1', port: 0, passThrough: false })
    client = new ProxyClient(served.gateway.address)
    const publisher = nodes[1]
    /** grow: every site ever published; else the current version of each slot. */
    const sites: string[] = []
    let siteNo = 0
    const publishSite = async (): Promise<void> => {
      const n = siteNo++
      const slot = n % siteSlots
      const version = Math.floor(n / siteSlots) % SITE_VERSIONS
      const dir = join(work, 'sites', grow ? `s${n}` : `s${slot}-v${version}`)
      writeSmallSite(dir, grow ? `soak site ${n} ${Date.now()}` : `soak site ${slot} version ${version}`)
      const host = (await withTimeout('publish', async (signal) => await publisher.publish(dir, { signal }))).host
      if (grow) sites.push(host)
      else sites[slot] = host
    }
    for (let i = 0; i < (grow ? 3 : siteSlots); i++) await publishSite()
    const distinctSites = new Set<string>()
    mkdirSync(join(work, 'file'))
    await writePseudoRandomFile(join(work, 'file', 'file.bin'), MiB, 21)
    const fileHost = (await publisher.publish(join(work, 'file'))).host
    if (snapshotDir !== undefined) {
      gc?.()
      progress(`heap snapshot ${writeHeapSnapshot(join(snapshotDir, 'soak-start.heapsnapshot'))}`)
    }
    progress(`running mixed traffic for ${minutes} min (${grow ? 'growing' : `fixed set: ${nameCount} names, ${siteSlots}×${SITE_VERSIONS} sites, 50 kv keys`}` +
      `, timers ${timers === undefined ? 'at their defaults' : `every ${timerMs / 1000} s`})…`)

    const count = async (kind: string, f: () => Promise<void>): Promise<void> => {
      const c = counters[kind]
      try { await f(); c.ok++ } catch (err) { c.errors++; c.lastError = (err as Error).message }
    }
    const churning = new Set<number>()
    /** A node that is up (not the gateway's node unless `any`). */
    const liveNode = (): TornetNode => {
      const candidates = nodes.filter((_n, i) => i !== 0 && !churning.has(i))
      return pick(candidates)
    }
    let nameNo = 0
    let kvNo = 0
    const workers: Array<() => Promise<void>> = [
      async () => { // browse
        const site = pick(sites)
        distinctSites.add(site)
        const page = pick(['index.html', 'style.css', 'page0.html', 'page1.html', 'page2.html', 'page3.html'])
        const r = await client!.get(`http://${site}.tor-net/${page}`, OP_TIMEOUT_MS)
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`)
      },
      async () => { // download
        const node = liveNode()
        let bytes = 0
        await withTimeout('download', async (signal) => {
          for await (const b of node.content.read(fileHost, 'file.bin', undefined, signal, { transient: true })) bytes += b.length
        })
        if (bytes !== MiB) throw new Error(`download: ${bytes} bytes`)
      },
      async () => { // names
        let owner: TornetNode
        let name: string
        if (grow) {
          owner = liveNode()
          name = `soak-${process.pid}-${nameNo++}`
        } else {
          // Name i belongs to node 1 + i mod (size - 1); a name whose owner is restarting waits its turn.
          let i = Math.floor(Math.random() * nameCount)
          for (let tries = 0; tries < 20 && churning.has(1 + i % (size - 1)); tries++) i = Math.floor(Math.random() * nameCount)
          if (churning.has(1 + i % (size - 1))) return
          owner = nodes[1 + i % (size - 1)]
          name = `soak-n${i}`
        }
        const ref = parseReference(pick(sites))
        await withTimeout('register', async (signal) => await owner.names.register(name, { kind: 'content', value: Buffer.concat([ref.id, ref.key]) }, { signal }))
        const rec = await withTimeout('lookup', async (signal) => await liveNode().names.lookup(name, { signal }))
        if (!Buffer.from(rec.owner).equals(owner.identity.publicKey)) throw new Error('lookup: another owner')
      },
      async () => { // kv
        const owner = liveNode()
        const key = `k${kvNo++ % 50}`
        const value = `v${Date.now()}`
        await withTimeout('kv put', async (signal) => await owner.kv.put(key, value, { signal, ...(kvTtlMs === undefined ? {} : { ttlMs: kvTtlMs }) }))
        const got = await withTimeout('kv get', async (signal) => await liveNode().kv.get(owner.identity.publicKey, key, { signal }))
        if (got === undefined) throw new Error('kv get: nothing')
      }
    ]
    const kinds = ['browse', 'download', 'names', 'kv']
    const t0 = Date.now()
    const deadline = t0 + minutes * 60_000
    const running: Array<Promise<void>> = workers.map(async (w, i) => {
      while (!stopping && Date.now() < deadline) {
        await count(kinds[i], w)
        await sleep(kinds[i] === 'browse' ? 50 : 200)
      }
    })
    running.push((async () => {
      while (!stopping && Date.now() < deadline) {
        await sleep(siteMs)
        if (Date.now() < deadline) await count('publish', publishSite)
      }
    })())
    running.push((async () => {
      while (!stopping && Date.now() < deadline) {
        await sleep(churnMs)
        if (Date.now() >= deadline) break
        const i = 2 + Math.floor(Math.random() * (size - 2))
        churning.add(i)
        await count('churn', async () => {
          const old = nodes[i]
          const { identity, config } = old
          await old.stop()
          nodes[i] = await createNode({ dataDir: dirs[i], identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } }, link: { probeMtu: SHIPPED_DATAGRAM }, nameDifficulty: NAME_DIFFICULTY, timers })
          await nodes[i].bootstrap([nodes[0].endpoint])
          nodes[i].start()
        })
        churning.delete(i)
      }
    })())
    running.push((async () => {
      loop.enable()
      while (!stopping && Date.now() < deadline) {
        await sleep(sampleMs)
        gc?.()
        const mem = process.memoryUsage()
        const s: Sample = {
          t: (Date.now() - t0) / 1000,
          rssMiB: mem.rss / MiB,
          heapMiB: mem.heapUsed / MiB,
          fds: fdCount(),
          diskMiB: dirs.reduce((sum, d) => sum + diskBytes(d), 0) / MiB,
          loopP99Ms: loop.percentile(99) / 1e6
        }
        loop.reset()
        samples.push(s)
        const ops = kinds.map(k => `${k} ${counters[k].ok}/${counters[k].errors}`).join(', ')
        progress(`${round(s.t, 0)} s: rss ${round(s.rssMiB, 1)} MiB, heap ${round(s.heapMiB, 1)} MiB, fds ${s.fds}, disk ${round(s.diskMiB, 1)} MiB, ` +
          `loop p99 ${round(s.loopP99Ms, 1)} ms; ok/errors: ${ops}, churn ${counters.churn.ok}/${counters.churn.errors}`)
      }
    })())
    await Promise.all(running)
    if (snapshotDir !== undefined) {
      gc?.()
      progress(`heap snapshot ${writeHeapSnapshot(join(snapshotDir, 'soak-end.heapsnapshot'))}`)
    }
    progress(`sites browsed: ${distinctSites.size} distinct`)
  } finally {
    process.off('warning', onWarning)
    stopping = true
    loop.disable()
    client?.close()
    await served?.close().catch(() => {})
    await net?.close().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }

  const extra = { minutes, nodes: size, samples: samples.length, gc: gc !== undefined, loadBefore, loadAfter: round(loadavg()[0], 2), grow, timerSeconds: timerMs / 1000 }
  const secondHalf = samples.slice(Math.floor(samples.length / 2))
  const minutesOf = secondHalf.map(s => s.t / 60)
  const figure = (name: string, unit: string, digits: number, f: (s: Sample) => number): void => {
    const all = quarters(samples.map(f))
    const perMin = slope(minutesOf, secondHalf.map(f))
    const fields = { ...extra, first: round(all.first, digits), last: round(all.last, digits), quarters: all.q.map(v => round(v, digits)) }
    emit(`soak.${name}_growth${unit === 'MiB' ? '_mib' : ''}`, round(all.last - all.first, digits), unit, fields)
    emit(`soak.${name}_slope_${unit === 'MiB' ? 'mib' : unit}_per_min`, round(perMin, 3), `${unit}/min`, { ...extra, over: 'second half' })
  }
  figure('rss', 'MiB', 1, s => s.rssMiB)
  figure('heap', 'MiB', 1, s => s.heapMiB)
  figure('fds', 'fds', 1, s => s.fds)
  figure('lmdb', 'MiB', 1, s => s.diskMiB)
  const delay = quarters(samples.map(s => s.loopP99Ms))
  emit('soak.loop_delay_p99_ms_first', round(delay.first, 1), 'ms', { ...extra, quarters: delay.q.map(v => round(v, 1)) })
  emit('soak.loop_delay_p99_ms_last', round(delay.last, 1), 'ms', extra)
  emit('soak.loop_delay_p99_slope_ms_per_min', round(slope(minutesOf, secondHalf.map(s => s.loopP99Ms)), 3), 'ms/min', { ...extra, over: 'second half' })
  for (const [kind, c] of Object.entries(counters)) {
    emit(`soak.${kind}_ops`, c.ok, 'ops', extra)
    emit(`soak.${kind}_errors`, c.errors, 'errors', { ...extra, ...(c.lastError === undefined ? {} : { lastError: c.lastError }) })
  }
  emit('soak.warnings', warnings.length, 'warnings', { ...extra, kinds: [...new Set(warnings)] })
}
