/**
 * An in-memory stand-in for one persistence database (the load / save /
 * remove hook the kv and names services take), which outlives the services
 * built on it the way an LMDB database outlives a process.
 */
export class MemoryDisk {
  readonly entries = new Map<string, Buffer>()
  saves = 0
  removes = 0

  load = (): Iterable<Uint8Array> => [...this.entries.values()].map(b => Buffer.from(b))
  save = (key: Buffer, encoded: Buffer): void => { this.saves++; this.entries.set(key.toString('hex'), Buffer.from(encoded)) }
  remove = (key: Buffer): void => { this.removes++; this.entries.delete(key.toString('hex')) }

  get size (): number { return this.entries.size }
  has (key: Buffer): boolean { return this.entries.has(key.toString('hex')) }
  get (key: Buffer): Buffer | undefined { return this.entries.get(key.toString('hex')) }
  /** Writes raw bytes under a raw key, as a torn write or a foreign version might leave them. */
  plant (keyHex: string, bytes: Buffer): void { this.entries.set(keyHex, bytes) }
}

/**
 * A disk whose writes land a while after they are made, as lmdb's batched asynchronous puts do:
 * `entries` holds only what has landed, which is all a process killed at that moment leaves.
 * `settled()` resolves once everything written so far has landed.
 */
export class LaggingDisk extends MemoryDisk {
  private readonly inFlight = new Set<Promise<void>>()

  constructor (private readonly lagMs: number) { super() }

  override save = (key: Buffer, encoded: Buffer): void => {
    this.saves++
    const copy = Buffer.from(encoded)
    this.later(() => { this.entries.set(key.toString('hex'), copy) })
  }

  override remove = (key: Buffer): void => {
    this.removes++
    this.later(() => { this.entries.delete(key.toString('hex')) })
  }

  settled = async (): Promise<void> => { await Promise.all([...this.inFlight]) }

  private later (land: () => void): void {
    const p = new Promise<void>((resolve) => setTimeout(() => { land(); resolve() }, this.lagMs))
    this.inFlight.add(p)
    void p.then(() => this.inFlight.delete(p))
  }
}
