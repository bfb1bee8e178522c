import { makeContact, roundTripsTo, type Contact } from '../contact.js'
import { runLookup, updateFailureRate, type LookupRequest, type QueryResult } from '../lookup.js'
import { networkRttSample, RequestTimeouts } from '../request-timeouts.js'
import { contactSize, findRequestSize, nodesReplySize } from '../../wire/routing-messages.js'
import type { CompactNetwork } from './compact-network.js'
import { LatencyModel, type LatencyOptions } from './latency-model.js'
import { exchangeBytes, firstPacketBytes, oneWayTrips, REQUEST_LINK_BYTES, RESPONSE_LINK_BYTES, type LinkPattern } from './link-cost.js'
import { Prng } from './prng.js'
import { VirtualClock } from './virtual-clock.js'
import { mean, percentile } from './stats.js'

/**
 * Runs lookups from random live origins to random targets over a compact
 * network, through the real lookup runner (lookup.ts) on a virtual clock.
 * Each message takes the pair's one-way latency (with jitter) and is lost
 * with probability `loss`. A dead node never answers. A lookup succeeds when
 * the closest node it reports is the closest live node of the whole network.
 *
 * The link is modelled as link-cost.ts describes. The origin has a session
 * with its own table contacts (the seeds) and holds their keys; any other
 * peer needs a handshake: IK when the reply that named it carried its key
 * (`wantKeys`, as the real node asks), else XX, which costs one more round
 * trip before the reply and more bytes. Bytes are counted in two parts:
 *
 *  bytes           DHT payloads plus the DATA-packet overhead of an open
 *                  session, plus, for each XX handshake, what it costs beyond
 *                  an IK one (the headline figure)
 *  handshakeBytes  what opening the sessions costs beyond that: IK_INIT
 *                  padding, handshake fields, the confirming PING/PONG
 *                  (reported apart; bytes + handshakeBytes is a cold lookup)
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
  /** Ask for contacts by public key (the real node's setting). */
  wantKeys: boolean
  /** Ask for rank nonces too (8 bytes a contact). */
  wantNonces: boolean
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
  wantKeys: true,
  wantNonces: false,
  processingMs: 1
}

export interface LookupRecord {
  success: boolean
  /** The k nodes reported are exactly the k closest live nodes. */
  exactK: boolean
  hops: number
  foundMs: number
  elapsedMs: number
  /** Payloads, open-session link overhead and the extra cost of XX over IK (see above). */
  bytes: number
  /** Cost of opening sessions beyond `bytes`. */
  handshakeBytes: number
  requestBytes: number
  contactsReturned: number
  /** Keyed contacts returned without their rank nonce. */
  noncesLeftOut: number
  queried: number
  /** Requests that had to run the XX handshake (no key for the peer). */
  xxHandshakes: number
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
  /** The same lookups had every keyed contact carried its rank nonce too (WANT_NONCES). */
  bytesWithNoncesP50: number
  handshakeBytesP50: number
  /** bytes + handshakeBytes: a lookup that opens every session it uses. */
  coldBytesP50: number
  bytesMean: number
  requestBytesMean: number
  contactsReturnedMean: number
  queriesMean: number
  xxHandshakesMean: number
  records: LookupRecord[]
}

const NONCE_BYTES = contactSize(false, true) - contactSize(false, false)
/** The simulator never checks keys: one placeholder stands for every node's key. */
const SIM_KEY = Buffer.alloc(32)

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
  const contactFor = (i: number, keyed: boolean): Contact => {
    const c = makeContact(net.id(i), simEndpoint(i), keyed ? { publicKey: SIM_KEY } : {})
    indexOf.set(c, i)
    return c
  }
  const replyContactBytes = contactSize(false, o.wantKeys && o.wantNonces)

  for (let n = 0; n < o.warmup + o.lookups; n++) {
    let origin = prng.int(net.size)
    while (net.alive[origin] === 0) origin = prng.int(net.size)
    const target = prng.bytes(32)
    const r: LookupRecord = {
      success: false, exactK: false, hops: 0, foundMs: 0, elapsedMs: 0, bytes: 0, handshakeBytes: 0, requestBytes: 0,
      contactsReturned: 0, noncesLeftOut: 0, queried: 0, xxHandshakes: 0
    }
    const rtt = new RequestTimeouts({}, globalRtt)
    // The origin knows its own contacts: their keys, their RTT, and it has sessions with them.
    const seeds = net.closest(origin, target, o.k).map(i => contactFor(i, true))
    const sessions = new Set<number>()
    for (const s of seeds) {
      const i = indexOf.get(s) as number
      sessions.add(i)
      rtt.primePeer(s.id.toString('hex'), 2 * latency.base(origin, i))
    }

    const query = async (contact: Contact, req: LookupRequest, signal: AbortSignal): Promise<QueryResult> => {
      const peer = indexOf.get(contact) as number
      const link: LinkPattern = sessions.has(peer) ? 'open' : contact.publicKey !== undefined ? 'ik' : 'xx'
      const reqPayload = findRequestSize(req.kind, req.known.length)
      r.bytes += REQUEST_LINK_BYTES + reqPayload
      r.requestBytes += REQUEST_LINK_BYTES + reqPayload
      return await new Promise<QueryResult>((resolve, reject) => {
        const onAbort = (): void => { reject(new Error('aborted')) }
        signal.addEventListener('abort', onAbort, { once: true })
        // XX's first leg is three messages (XX_INIT, XX_RESP, XX_FIN with the request); losing any loses the request.
        let lost = prng.float() < o.loss
        if (link === 'xx') { const resp = prng.float(); const fin = prng.float(); lost = lost || resp < o.loss || fin < o.loss }
        if (lost || net.alive[peer] === 0) {
          r.handshakeBytes += firstPacketBytes(link, reqPayload) - (REQUEST_LINK_BYTES + reqPayload)
          return
        }
        let ms = o.processingMs
        for (let t = 0; t < oneWayTrips(link); t++) ms += latency.sample(origin, peer, prng.normal())
        const known = new Set(req.known)
        const picked = net.closest(peer, req.target, req.count, origin).filter(i => !known.has(fingerprintAt(net.ids, i)))
        const replyPayload = nodesReplySize(picked.length * replyContactBytes)
        r.bytes += RESPONSE_LINK_BYTES + replyPayload
        if (link !== 'open') {
          const ik = exchangeBytes('ik', reqPayload, replyPayload)
          r.handshakeBytes += ik - exchangeBytes('open', reqPayload, replyPayload)
          if (link === 'xx') { r.bytes += exchangeBytes('xx', reqPayload, replyPayload) - ik; r.xxHandshakes++ }
        }
        r.contactsReturned += picked.length
        if (o.wantKeys && !o.wantNonces) r.noncesLeftOut += picked.length
        if (prng.float() < o.loss) return
        sessions.add(peer)
        clock.setTimer(ms, () => {
          signal.removeEventListener('abort', onAbort)
          if (!signal.aborted) resolve({ contacts: picked.map(i => contactFor(i, o.wantKeys)) })
        })
      })
    }

    const result = await clock.drive(runLookup({
      target, kind: 0, seeds, query, clock, rtt, self: net.id(origin), k: o.k, alpha: o.alpha, failureRate, roundTrips: roundTripsTo
    }))
    failureRate = updateFailureRate(failureRate, result)
    if (n < o.warmup) continue
    const truth = net.trueClosest(target, o.k + 1, true).filter(i => i !== origin).slice(0, o.k)
    const got = result.closest.map(c => indexOf.get(c))
    r.success = got[0] === truth[0]
    r.exactK = got.length === truth.length && got.every((g, i) => g === truth[i])
    r.hops = result.hops
    r.foundMs = result.foundMs
    r.elapsedMs = result.elapsedMs
    r.queried = result.queried
    records.push(r)
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
    bytesWithNoncesP50: percentile(records.map(r => r.bytes + NONCE_BYTES * r.noncesLeftOut), 50),
    handshakeBytesP50: percentile(records.map(r => r.handshakeBytes), 50),
    coldBytesP50: percentile(records.map(r => r.bytes + r.handshakeBytes), 50),
    bytesMean: mean(bytes),
    requestBytesMean: mean(records.map(r => r.requestBytes)),
    contactsReturnedMean: mean(records.map(r => r.contactsReturned)),
    queriesMean: mean(records.map(r => r.queried)),
    xxHandshakesMean: mean(records.map(r => r.xxHandshakes)),
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
