import type { KvPutOptions, KvPutResult } from '../../kv/kv-service.js'
import type { KvRecord, RecordSigner } from '../../kv/record.js'
import { blindedPublicKey, blindedSigner, timePeriod } from '../blinding.js'
import { type HiddenDescriptor, decodeDescriptor, encodeDescriptor } from '../descriptor.js'
import { TunnelError, TunnelErrorCode } from '../errors.js'

/**
 * Where descriptors live: a kv record under the key DESCRIPTOR_KEY in the
 * namespace of the service key blinded for the day (UTC), signed by the
 * blinded key. Replicas check an ordinary ed25519 signature and learn neither
 * the service key nor, from one day to the next, that it is the same service;
 * only a client that knows the service key finds and decrypts it.
 */
export const DESCRIPTOR_KEY = 'hs-descriptor'
const DAY_MS = 24 * 3600_000
/** How close to the next UTC day a service also publishes for it (clients' clocks differ). */
export const NEXT_PERIOD_LEAD_MS = 2 * 3600_000

/** The part of the kv service descriptors need. */
export interface DescriptorKv {
  putSigned: (signer: RecordSigner, key: Uint8Array | string, value: Uint8Array | string, opts?: KvPutOptions) => Promise<KvPutResult>
  get: (namespace: Uint8Array, key: Uint8Array | string, opts?: { signal?: AbortSignal }) => Promise<KvRecord | undefined>
}

/** The periods a service publishes for at `now`: today's, and tomorrow's when midnight (UTC) is near. */
export function publishPeriods (now: number): number[] {
  const today = timePeriod(now)
  const soon = timePeriod(now + NEXT_PERIOD_LEAD_MS)
  return soon !== today ? [today, soon] : [today]
}

/**
 * The periods a client tries at `now`: today's, then the neighbour across the nearer midnight
 * (its clock, or the service's, may be a little off).
 */
export function fetchPeriods (now: number): number[] {
  const today = timePeriod(now)
  const sinceMidnight = now - Math.floor(now / DAY_MS) * DAY_MS
  const neighbour = sinceMidnight < DAY_MS / 2 ? timePeriod(now - DAY_MS) : timePeriod(now + DAY_MS)
  return neighbour !== today ? [today, neighbour] : [today]
}

/** Publishes `d` for every period in `periods`; the number of periods at least one replica took. */
export async function publishDescriptor (
  kv: DescriptorKv, service: { secretKey: Buffer }, d: HiddenDescriptor, periods: number[], now: number, signal?: AbortSignal
): Promise<number> {
  let stored = 0
  for (const period of periods) {
    const value = encodeDescriptor(d, period)
    const signer = blindedSigner(service.secretKey, period)
    try {
      await kv.putSigned(signer, DESCRIPTOR_KEY, value, { ttlMs: Math.max(1, d.expires - now), signal })
      stored++
    } catch (err) {
      signal?.throwIfAborted()
      if (periods.length === 1) throw err
    }
  }
  return stored
}

/** The service's live descriptor, or undefined when none is published (or none decrypts with this key). */
export async function fetchDescriptor (
  kv: DescriptorKv, servicePublicKey: Buffer, now: number, signal?: AbortSignal
): Promise<HiddenDescriptor | undefined> {
  for (const period of fetchPeriods(now)) {
    const record = await kv.get(blindedPublicKey(servicePublicKey, period), DESCRIPTOR_KEY, { signal })
    if (record === undefined) continue
    try {
      const d = decodeDescriptor(record.value, servicePublicKey, period)
      if (d.expires > now && d.servicePublicKey.equals(servicePublicKey)) return d
    } catch (err) {
      // Someone who can sign under the blinded key wrote junk, or an old codec: try the other period.
      if (!(err instanceof TunnelError) || (err.code !== TunnelErrorCode.MALFORMED && err.code !== TunnelErrorCode.HS_NOT_FOUND)) throw err
    }
  }
  return undefined
}
