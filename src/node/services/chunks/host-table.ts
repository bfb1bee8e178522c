/**
 * The publisher's table of hosts (the seed: "each node maintains a database of tornets that it
 * is publishing; for each chunk maintain a list of N nodes known to host it"), one record per
 * chunk this node published, in the node's LMDB store (a local table, never sent anywhere),
 * keyed by the chunk id in hex. Values are JSON; a value that does not decode to a record of
 * the shape below is dropped on reading (a damaged entry costs its history, nothing else).
 */
export interface TrackedHost {
  /** Node id, hex. */
  id: string
  address: string
  port: number
  /** Slice bytes of the chunk the host reported it served, since `since` (its counting start). */
  served: number
  since: number
  /** When the host last answered that it holds the chunk (0: not yet). */
  lastSeen: number
  /** Checks in a row it did not answer, or answered that it lacks the chunk (0.5: a new host given one check's time to pull). */
  failures: number
  /** When this node learnt of the host. */
  added: number
  /** The end of a week's place this node paid the host for (0: none). */
  paidUntil: number
}

export interface TrackedChunk {
  /** Chunk id, hex. */
  id: string
  /** The published items (content references) the chunk belongs to. */
  items: string[]
  size: number
  hosts: TrackedHost[]
  /** When tracking began, and when the last check ran (0: never). */
  trackedAt: number
  lastCheck: number
  /** Whole-chunk reads gathered from the hosts' reports (and this node's own serving), in all. */
  reads: number
  /** Reads per hour over the last check's window: the chunk's popularity. */
  rate: number
  /** This node's own served-bytes count at the last check, and when that count began. */
  ownServed: number
  ownSince: number
  /** Credit paid to hosts for places, in all. */
  paid: number
}

export interface HostTableStore {
  get: (key: string) => Buffer | undefined
  put: (key: string, value: Buffer) => Promise<void>
  keys: () => string[]
  remove: (key: string) => Promise<void>
}

export const MAX_ITEMS_PER_CHUNK = 16
export const MAX_HOSTS_PER_CHUNK = 32

const isHex = (v: unknown, n?: number): v is string => typeof v === 'string' && /^[0-9a-f]+$/.test(v) && (n === undefined || v.length === n)
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

function checkHost (h: unknown): TrackedHost | undefined {
  if (typeof h !== 'object' || h === null) return undefined
  const o = h as Record<string, unknown>
  if (!isHex(o.id, 64) || typeof o.address !== 'string' || o.address.length > 64 || !Number.isInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65535) return undefined
  for (const k of ['served', 'since', 'lastSeen', 'failures', 'added', 'paidUntil']) if (!isCount(o[k])) return undefined
  return { id: o.id, address: o.address, port: o.port as number, served: o.served as number, since: o.since as number, lastSeen: o.lastSeen as number, failures: o.failures as number, added: o.added as number, paidUntil: o.paidUntil as number }
}

/** The record in `bytes`, or undefined when they are not one. */
export function decodeTrackedChunk (bytes: Buffer): TrackedChunk | undefined {
  let v: unknown
  try { v = JSON.parse(bytes.toString('utf8')) } catch { return undefined }
  if (typeof v !== 'object' || v === null) return undefined
  const o = v as Record<string, unknown>
  if (!isHex(o.id, 64) || !Array.isArray(o.items) || o.items.length > MAX_ITEMS_PER_CHUNK || !o.items.every(i => typeof i === 'string' && i.length <= 256)) return undefined
  if (!Array.isArray(o.hosts) || o.hosts.length > MAX_HOSTS_PER_CHUNK) return undefined
  const hosts = o.hosts.map(checkHost)
  if (hosts.some(h => h === undefined)) return undefined
  for (const k of ['size', 'trackedAt', 'lastCheck', 'reads', 'rate', 'ownServed', 'ownSince', 'paid']) if (!isCount(o[k])) return undefined
  return {
    id: o.id, items: o.items as string[], size: o.size as number, hosts: hosts as TrackedHost[], trackedAt: o.trackedAt as number,
    lastCheck: o.lastCheck as number, reads: o.reads as number, rate: o.rate as number, ownServed: o.ownServed as number,
    ownSince: o.ownSince as number, paid: o.paid as number
  }
}

export function encodeTrackedChunk (c: TrackedChunk): Buffer {
  return Buffer.from(JSON.stringify(c))
}

/** The records, typed, over a local table. */
export class HostTable {
  constructor (private readonly db: HostTableStore) {}

  get (hex: string): TrackedChunk | undefined {
    const v = this.db.get(hex)
    return v === undefined ? undefined : decodeTrackedChunk(v)
  }

  async put (c: TrackedChunk): Promise<void> { await this.db.put(c.id, encodeTrackedChunk(c)) }

  async remove (hex: string): Promise<void> { await this.db.remove(hex) }

  ids (): string[] { return this.db.keys() }

  all (): TrackedChunk[] {
    const out: TrackedChunk[] = []
    for (const k of this.db.keys()) {
      const c = this.get(k)
      if (c !== undefined) out.push(c)
    }
    return out
  }
}
