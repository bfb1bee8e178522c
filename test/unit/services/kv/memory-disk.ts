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
