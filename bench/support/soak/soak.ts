import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { serveGateway, type ServedGateway } from '../../../src/cli/serve/serve-gateway.js'
import { createNode, createTestnet, parseReference, type Testnet, type TornetNode } from '../../../src/node/index.js'
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
 *             absolute form); node 1 publishes a new small site every --site-seconds (30)
 *   download  a random node reads the published 1 MiB file (transient: not kept)
 *   names     a random node registers a new name (low difficulty), another looks it up
 *   kv        a random node puts one of 50 keys, another gets it
 *   churn     every --churn-seconds (20) one of nodes 2.. stops and a fresh node starts on
 *             its data dir (same identity), joins through node 0 and starts
 *
 * Every --sample-seconds (5): RSS, heap used (after gc when run with --expose-gc), open file
 * descriptors (/proc/self/fd), the bytes on disk of the nodes' data dirs, and the event loop's
 * p99 delay over the interval. Figures compare the last quarter of the samples with the
 * first (medians). Failed operations are counted, not fatal.
 *
 *   npm run soak -- [--minutes 5] [--nodes 10] [--sample-seconds 5] [--churn-seconds 20] [--site-seconds 30]
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

function quarters (xs: number[]): { first: number, last: number } {
  const q = Math.max(1, Math.floor(xs.length / 4))
  return { first: median(xs.slice(0, q)), last: median(xs.slice(-q)) }
}

export async function runSoak (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: 'string', default: '5' },
      nodes: { type: 'string', default: '10' },
      'sample-seconds': { type: 'string', default: '5' },
      'churn-seconds': { type: 'string', default: '20' },
      'site-seconds': { type: 'string', default: '30' }
    }
  })
  const minutes = Number(values.minutes)
  const size = Number(values.nodes)
  const sampleMs = Number(values['sample-seconds']) * 1000
  const churnMs = Number(values['churn-seconds']) * 1000
  const siteMs = Number(values['site-seconds']) * 1000
  if (!(minutes > 0) || !Number.isInteger(size) || size < 3 || !(sampleMs > 0) || !(churnMs > 0) || !(siteMs > 0)) {
    throw new Error('usage: soak [--minutes N>0] [--nodes N>=3] [--sample-seconds N>0] [--churn-seconds N>0] [--site-seconds N>0]')
  }
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
    net = await createTestnet(size, { probeMtu: SHIPPED_DATAGRAM, nameDifficulty: NAME_DIFFICULTY })
    const nodes = net.nodes
    const dirs = net.dirs
    served = await serveGateway(nodes[0], { host: '127.0.0.1', port: 0, passThrough: false })
    client = new ProxyClient(served.gateway.address)
    const publisher = nodes[1]
    const sites: string[] = []
    let siteNo = 0
    const publishSite = async (): Promise<void> => {
      const dir = join(work, 'sites', `s${siteNo}`)
      writeSmallSite(dir, `soak site ${siteNo++} ${Date.now()}`)
      sites.push((await withTimeout('publish', async (signal) => await publisher.publish(dir, { signal }))).host)
    }
    for (let i = 0; i < 3; i++) await publishSite()
    mkdirSync(join(work, 'file'))
    await writePseudoRandomFile(join(work, 'file', 'file.bin'), MiB, 21)
    const fileHost = (await publisher.publish(join(work, 'file'))).host
    progress(`running mixed traffic for ${minutes} min…`)

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
        const owner = liveNode()
        const name = `soak-${process.pid}-${nameNo++}`
        const ref = parseReference(pick(sites))
        await withTimeout('register', async (signal) => await owner.names.register(name, { kind: 'content', value: Buffer.concat([ref.id, ref.key]) }, { signal }))
        const rec = await withTimeout('lookup', async (signal) => await liveNode().names.lookup(name, { signal }))
        if (!Buffer.from(rec.owner).equals(owner.identity.publicKey)) throw new Error('lookup: another owner')
      },
      async () => { // kv
        const owner = liveNode()
        const key = `k${kvNo++ % 50}`
        const value = `v${Date.now()}`
        await withTimeout('kv put', async (signal) => await owner.kv.put(key, value, { signal }))
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
          nodes[i] = await createNode({ dataDir: dirs[i], identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } }, link: { probeMtu: SHIPPED_DATAGRAM }, nameDifficulty: NAME_DIFFICULTY })
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
  } finally {
    stopping = true
    loop.disable()
    client?.close()
    await served?.close().catch(() => {})
    await net?.close().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }

  const extra = { minutes, nodes: size, samples: samples.length, gc: gc !== undefined, loadBefore }
  const of = (f: (s: Sample) => number): { first: number, last: number } => quarters(samples.map(f))
  const rss = of(s => s.rssMiB)
  const heap = of(s => s.heapMiB)
  const fds = of(s => s.fds)
  const disk = of(s => s.diskMiB)
  const delay = of(s => s.loopP99Ms)
  emit('soak.rss_growth_mib', round(rss.last - rss.first, 1), 'MiB', { ...extra, first: round(rss.first, 1), last: round(rss.last, 1) })
  emit('soak.heap_growth_mib', round(heap.last - heap.first, 1), 'MiB', { ...extra, first: round(heap.first, 1), last: round(heap.last, 1) })
  emit('soak.fds_growth', fds.last - fds.first, 'fds', { ...extra, first: fds.first, last: fds.last })
  emit('soak.lmdb_growth_mib', round(disk.last - disk.first, 1), 'MiB', { ...extra, first: round(disk.first, 1), last: round(disk.last, 1) })
  emit('soak.loop_delay_p99_ms_first', round(delay.first, 1), 'ms', extra)
  emit('soak.loop_delay_p99_ms_last', round(delay.last, 1), 'ms', extra)
  for (const [kind, c] of Object.entries(counters)) {
    emit(`soak.${kind}_ops`, c.ok, 'ops', extra)
    emit(`soak.${kind}_errors`, c.errors, 'errors', { ...extra, ...(c.lastError === undefined ? {} : { lastError: c.lastError }) })
  }
}
