import { publicKeyFromSecret } from '../../src/node/identity/identity.js'
import { createRadioService, type RadioServiceInternals } from '../../src/node/services/radio/radio-service.js'
import type { RadioService, VerifiedSegment } from '../../src/node/services/radio/radio-api.js'
import { SimDhtNetwork } from './sim-service-network.js'
import { percentile } from './stats.js'

/**
 * Issue 14's radio benchmark on the routing simulator: the real radio
 * service on every simulated node (real Dht, real signatures, virtual clock,
 * log-normal 50 ms median links, loss). Node 0 broadcasts 128 kbit/s in
 * 250 ms segments; `listeners` nodes call listen() at uniformly random times
 * over `joinSpreadMs`; while they join, relays (nodes feeding others) are
 * killed until `leaveFraction` of the relays seen have gone.
 *
 * A listener plays with a fixed playout delay (`playoutMs` after the
 * segment's timestamp, what the 4 s burst makes possible), starting half a
 * second after its first segment arrived: a segment is on time when it
 * arrived by its play time. Killed listeners are left out of the figures.
 */
export interface RadioSimOptions {
  nodes: number
  listeners: number
  joinSpreadMs: number
  /** Virtual ms after the last join before the run ends. */
  tailMs: number
  leaveFraction: number
  loss: number
  seed: number
  playoutMs: number
  /** Tries per pushed segment (1: fire and forget, what plain datagrams would give). Default 2. */
  pushTries?: number
  onProgress?: (message: string) => void
}

export interface RadioSimFigures {
  sourceUploadRatio: number
  continuity: number
  joinMsP50: number
  joinMsP99: number
  delayMsP99: number
  maxFanout: number
  /** Upstream lost (stall detected) → new parent, over every re-join of the run. */
  rejoinMsP50: number
  rejoinMsP99: number
  rejoins: number
  relaysKilled: number
  joinFailures: number
  listenersMeasured: number
}

const SEGMENT_MS = 250
const PREBUFFER_MS = 500
const SEGMENT_BYTES = 4_000 // 128 kbit/s

interface ListenerLog { start: number, joinedAt?: number, arrivals: Map<number, number>, dead: boolean }

export async function runRadioSim (o: RadioSimOptions): Promise<RadioSimFigures> {
  const sim = new SimDhtNetwork<{ radio: RadioService & RadioServiceInternals }>(o.nodes, (node, s) => {
    const index = s.nodes.length
    const radio = createRadioService({
      network: node.network,
      clock: s.clock,
      wallNow: () => s.now(),
      childQueue: o.pushTries === undefined ? undefined : { tries: o.pushTries },
      log: process.env.RADIO_DEBUG === undefined ? undefined : (_l, m) => { process.stderr.write(`node ${index} at ${Math.round(s.clock.now())} ms: ${m}\n`) }
    })
    return { radio }
  }, { seed: o.seed, loss: o.loss })
  await sim.joinAll(25, (n) => { if (n % 250 < 25) o.onProgress?.(`joined ${n}/${o.nodes} nodes to the DHT`) })
  for (const n of sim.nodes) n.radio.start()

  // A station key from the seed, so a run is repeatable event for event.
  const secret = sim.prng.bytes(32)
  const key = { publicKey: publicKeyFromSecret(secret) as Buffer, privateKey: secret }
  const hex = key.publicKey.toString('hex')
  const source = sim.nodes[0]
  const t0 = sim.clock.now()
  const b = source.radio.broadcast(key, { label: 'bench-fm', codec: 'mp3', bitrateKbps: 128 })
  let streamBytes = 0
  const segTimes = new Map<number, number>() // seq → timestamp (wall)
  source.radio.feeds.get(hex)?.on('segment', s => { if (s.kind === 'audio') segTimes.set(s.seq, s.timestampMs) })
  const tick = (): void => {
    b.pushAudio(Buffer.alloc(SEGMENT_BYTES, segTimes.size & 0xff), SEGMENT_MS)
    sim.clock.setTimer(SEGMENT_MS, tick)
  }
  sim.clock.setTimer(SEGMENT_MS, tick)
  // Every segment the source signed (all kinds) is stream; what its node uploads is measured against it.
  const feed = source.radio.feeds.get(hex)
  const origIngest = feed?.ingest.bind(feed)
  if (feed !== undefined && origIngest !== undefined) feed.ingest = (seg, now) => { streamBytes += seg.bytes.length; return origIngest(seg, now) }
  await sim.clock.runUntil(t0 + 2_000)

  const end = t0 + 2_000 + o.joinSpreadMs + o.tailMs
  const logs = new Map<number, ListenerLog>()
  const candidates = sim.nodes.slice(1).map((_, i) => i + 1)
  for (let i = candidates.length - 1; i > 0; i--) { const j = sim.prng.int(i + 1); [candidates[i], candidates[j]] = [candidates[j], candidates[i]] }
  const chosen = candidates.slice(0, o.listeners)
  let joinFailures = 0
  const killed = new Set<number>()
  for (const idx of chosen) {
    const at = t0 + 2_000 + sim.prng.float() * o.joinSpreadMs
    sim.clock.setTimer(at - sim.clock.now(), () => {
      if (killed.has(idx)) return // it left before its listener arrived
      const log: ListenerLog = { start: sim.clock.now(), arrivals: new Map(), dead: false }
      logs.set(idx, log)
      sim.nodes[idx].radio.listen(key.publicKey).then(l => {
        const heard = (s: VerifiedSegment): void => {
          if (s.kind !== 'audio' || log.arrivals.has(s.seq)) return
          log.arrivals.set(s.seq, sim.now())
          log.joinedAt ??= sim.clock.now()
        }
        // A node that already carried the station (a relay) hands over its burst buffer at once, as the gateway does.
        for (const s of l.recent()) heard(s)
        l.on('segment', heard)
      }, (err: Error) => {
        joinFailures++
        if (process.env.RADIO_DEBUG !== undefined) process.stderr.write(`node ${idx} at ${Math.round(sim.clock.now())} ms: listen failed after ${Math.round(sim.clock.now() - log.start)} ms: ${err.message}\n`)
      })
    })
  }

  // Churn: kill relays (never the source) spread over the join minute, up to leaveFraction of those seen.
  const relaysSeen = new Set<number>()
  let maxFanout = 0
  const kills = 20
  const sample = (): void => {
    for (const [i, n] of sim.nodes.entries()) {
      const f = n.radio.feeds.get(hex)
      if (f === undefined || killed.has(i)) continue
      maxFanout = Math.max(maxFanout, f.children.size)
      if (i !== 0 && f.children.size > 0) relaysSeen.add(i)
    }
  }
  for (let k = 0; k < kills; k++) {
    const at = t0 + 2_000 + (k + 1) * o.joinSpreadMs / (kills + 1)
    sim.clock.setTimer(at - sim.clock.now(), () => {
      sample()
      const target = Math.ceil(o.leaveFraction * relaysSeen.size * (k + 1) / kills)
      const live = [...relaysSeen].filter(i => !killed.has(i) && (sim.nodes[i].radio.feeds.get(hex)?.children.size ?? 0) > 0)
      while (killed.size < target && live.length > 0) {
        const i = live.splice(sim.prng.int(live.length), 1)[0]
        killed.add(i)
        sim.nodes[i].memory.alive = false
        void sim.nodes[i].radio.stop()
        const log = logs.get(i)
        if (log !== undefined) log.dead = true
      }
    })
  }
  for (let t = t0 + 2_000; t < end; t += 1_000) {
    await sim.clock.runUntil(t)
    sample()
    if ((t - t0) % 10_000 === 0) o.onProgress?.(`virtual ${Math.round((t - t0) / 1000)} s: ${[...logs.values()].filter(l => l.joinedAt !== undefined).length} listening, ${killed.size} relays killed`)
  }
  await sim.clock.runUntil(end)

  // Figures.
  const lastDue = sim.now() - o.playoutMs
  let due = 0
  let onTime = 0
  const joins: number[] = []
  const delays: number[] = []
  let measured = 0
  for (const log of logs.values()) {
    if (log.dead || log.joinedAt === undefined) continue
    measured++
    joins.push(log.joinedAt - log.start)
    // The player buffers PREBUFFER_MS after the first arrival (VLC's default network caching is
    // a second), then starts with the segment stamped playoutMs earlier (the burst holds it) and
    // plays on at the source's pace.
    const startWall = Math.min(...log.arrivals.values()) + PREBUFFER_MS
    for (const [seq, ts] of segTimes) {
      if (ts < startWall - o.playoutMs || ts > lastDue) continue
      due++
      const at = log.arrivals.get(seq)
      if (at !== undefined && at <= ts + o.playoutMs) onTime++
      // Source-to-ear delay of the live part (the start-up burst is old audio by design).
      if (at !== undefined && ts >= startWall) delays.push(at - ts)
    }
  }
  const rejoinTimes = sim.nodes.flatMap(n => [...n.radio.rejoinTimes])
  const uploaded = source.network.bytesSent.get('radio') ?? 0
  return {
    sourceUploadRatio: uploaded / streamBytes,
    continuity: due === 0 ? NaN : onTime / due,
    joinMsP50: percentile(joins, 50),
    joinMsP99: percentile(joins, 99),
    delayMsP99: percentile(delays, 99),
    maxFanout,
    rejoinMsP50: percentile(rejoinTimes, 50),
    rejoinMsP99: percentile(rejoinTimes, 99),
    rejoins: rejoinTimes.length,
    relaysKilled: killed.size,
    joinFailures,
    listenersMeasured: measured
  }
}
