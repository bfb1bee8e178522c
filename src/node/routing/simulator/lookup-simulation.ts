import { makeContact, type Contact } from '../contact.js'
import { runLookup, updateFailureRate, type LookupRequest, type QueryResult } from '../lookup.js'
import { networkRttSample, RttEstimator } from '../rtt-estimator.js'
import { contactSize, findRequestSize, nodesReplySize } from '../../wire/routing-messages.js'
import type { CompactNetwork } from './compact-network.js'
import { LatencyModel, type LatencyOptions } from './latency-model.js'
import { Prng } from './prng.js'
import { VirtualClock } from './virtual-clock.js'
import { mean, percentile } from './stats.js'

/**
 * Runs lookups from random live origins to random targets over a compact
 * network, through the real lookup runner (lookup.ts) on a virtual clock.
 * Each request and reply takes the pair's one-way latency (with jitter), is
 * lost with probability `loss`, and costs the bytes the real codec would send
 * plus `linkOverheadBytes` per message (session header and AEAD tag of the
 * link layer; IP/UDP headers not counted). A dead node never answers. A
 * lookup succeeds when the closest node it reports is the closest live node
 * of the whole network.
 */
export interface SimulationOptions {
  lookups: number
  /** Lookups run first to warm the network-wide RTT estimate; not reported. */
  warmup: number
  seed: number
  loss: number
  latency: Partial<LatencyOptions>
  k: number
  alpha: number
  linkOverheadBytes: number
  /** Time a node takes to answer. */
  processingMs: number
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  lookups: 1000,
  warmup: 50,
  seed: 1,
  loss: 0.01,
  latency: {},
  k: 20,
  alpha: 3,
  linkOverheadBytes: 32,
  processingMs: 1
}

export interface LookupRecord {
  success: boolean
  /** The k nodes reported are exactly the k closest live nodes. */
  exactK: boolean
  hops: number
  foundMs: number
  elapsedMs: number
  bytes: number
  requestBytes: number
  contactsReturned: number
  queried: number
}

export interface SimulationReport {
  lookups: number
  successPct: number
  exactKPct: number
  hopsP50: number
  hopsP95: number
  hopsP99: number
  msP50: number
  msP95: number
  msP99: number
  doneMsP50: number
  doneMsP99: number
  bytesP50: number
  /** The same lookups if every returned contact carried its public key and nonce (WANT_KEYS). */
  bytesWithKeysP50: number
  bytesMean: number
  requestBytesMean: number
  contactsReturnedMean: number
  queriesMean: number
  records: LookupRecord[]
}

const KEY_BYTES_PER_CONTACT = contactSize(false, true) - contactSize(false, false)

export async function simulateLookups (net: CompactNetwork, options: Partial<SimulationOptions> = {}): Promise<SimulationReport> {
  const o: SimulationOptions = { ...DEFAULT_SIMULATION, ...options }
  const prng = new Prng(o.seed)
  const latency = new LatencyModel({ seed: o.seed, ...o.latency })
  const clock = new VirtualClock()
  const globalRtt = networkRttSample()
  const records: LookupRecord[] = []
  // Like the RTT estimate, the share of peers that do not answer is learned from earlier lookups.
  let failureRate = 0
  const indexOf = new WeakMap<Contact, number>()
  const contactFor = (i: number): Contact => {
    const c = makeContact(net.id(i), simEndpoint(i))
    indexOf.set(c, i)
    return c
  }
  const replyContactBytes = contactSize(false, false)

  for (let n = 0; n < o.warmup + o.lookups; n++) {
    let origin = prng.int(net.size)
    while (net.alive[origin] === 0) origin = prng.int(net.size)
    const target = prng.bytes(32)
    let bytes = 0
    let requestBytes = 0
    let contactsReturned = 0
    const rtt = new RttEstimator({}, globalRtt)
    const seeds = net.closest(origin, target, o.k).map(contactFor)
    // The origin has talked to its own contacts before: it knows their RTT.
    for (const s of seeds) {
      const base = 2 * latency.base(origin, indexOf.get(s) as number)
      rtt.primePeer(s.id.toString('hex'), base)
    }

    const query = async (contact: Contact, req: LookupRequest, signal: AbortSignal): Promise<QueryResult> => {
      const peer = indexOf.get(contact) as number
      const reqBytes = findRequestSize(req.kind, req.known.length) + o.linkOverheadBytes
      bytes += reqBytes
      requestBytes += reqBytes
      return await new Promise<QueryResult>((resolve, reject) => {
        const onAbort = (): void => { reject(new Error('aborted')) }
        signal.addEventListener('abort', onAbort, { once: true })
        if (prng.float() < o.loss || net.alive[peer] === 0) return
        const there = latency.sample(origin, peer, prng.normal())
        const back = latency.sample(origin, peer, prng.normal())
        const known = new Set(req.known)
        const picked = net.closest(peer, req.target, req.count, origin).filter(i => !known.has(fingerprintAt(net.ids, i)))
        bytes += nodesReplySize(picked.length * replyContactBytes) + o.linkOverheadBytes
        contactsReturned += picked.length
        if (prng.float() < o.loss) return
        clock.setTimer(there + o.processingMs + back, () => {
          signal.removeEventListener('abort', onAbort)
          if (!signal.aborted) resolve({ contacts: picked.map(contactFor) })
        })
      })
    }

    const result = await clock.drive(runLookup({
      target, kind: 0, seeds, query, clock, rtt, self: net.id(origin), k: o.k, alpha: o.alpha, failureRate
    }))
    failureRate = updateFailureRate(failureRate, result)
    if (n < o.warmup) continue
    const truth = net.trueClosest(target, o.k + 1, true).filter(i => i !== origin).slice(0, o.k)
    const got = result.closest.map(c => indexOf.get(c))
    records.push({
      success: got[0] === truth[0],
      exactK: got.length === truth.length && got.every((g, i) => g === truth[i]),
      hops: result.hops,
      foundMs: result.foundMs,
      elapsedMs: result.elapsedMs,
      bytes,
      requestBytes,
      contactsReturned,
      queried: result.queried
    })
  }
  return summarize(records)
}

export function summarize (records: LookupRecord[]): SimulationReport {
  const ok = records.filter(r => r.success)
  const hops = ok.map(r => r.hops)
  const ms = ok.map(r => r.foundMs)
  const done = records.map(r => r.elapsedMs)
  const bytes = records.map(r => r.bytes)
  return {
    lookups: records.length,
    successPct: records.length === 0 ? NaN : 100 * ok.length / records.length,
    exactKPct: records.length === 0 ? NaN : 100 * records.filter(r => r.exactK).length / records.length,
    hopsP50: percentile(hops, 50),
    hopsP95: percentile(hops, 95),
    hopsP99: percentile(hops, 99),
    msP50: percentile(ms, 50),
    msP95: percentile(ms, 95),
    msP99: percentile(ms, 99),
    doneMsP50: percentile(done, 50),
    doneMsP99: percentile(done, 99),
    bytesP50: percentile(bytes, 50),
    bytesWithKeysP50: percentile(records.map(r => r.bytes + KEY_BYTES_PER_CONTACT * r.contactsReturned), 50),
    bytesMean: mean(bytes),
    requestBytesMean: mean(records.map(r => r.requestBytes)),
    contactsReturnedMean: mean(records.map(r => r.contactsReturned)),
    queriesMean: mean(records.map(r => r.queried)),
    records
  }
}

/** A distinct IPv4 endpoint per simulated node (one endpoint is one node to the lookup). */
function simEndpoint (i: number): { address: string, port: number } {
  return { address: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, port: 7000 + (i >>> 24) }
}

function fingerprintAt (ids: Uint8Array, i: number): number {
  const o = i * 32
  return ids[o + 30] | (ids[o + 31] << 8)
}
