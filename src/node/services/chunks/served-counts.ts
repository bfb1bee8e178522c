/**
 * Slice bytes this node served per chunk, since `since` (when the service started counting):
 * what a host reports to a publisher's hourly check (HOSTING), from which the publisher
 * gathers access rates (host-tracker.ts). In memory and bounded: past `maxChunks` the chunk
 * served least recently is forgotten (its count starts again at 0, which a publisher reads as
 * a restart: the count it gets is then all new).
 */
export class ServedCounts {
  private readonly bytes = new Map<string, number>()
  readonly since: number

  constructor (now: number, private readonly maxChunks = 65_536) {
    this.since = now
  }

  add (chunkId: Buffer, n: number): void {
    const hex = chunkId.toString('hex')
    const had = this.bytes.get(hex)
    if (had !== undefined) this.bytes.delete(hex)
    else if (this.bytes.size >= this.maxChunks) this.bytes.delete(this.bytes.keys().next().value as string)
    this.bytes.set(hex, (had ?? 0) + n)
  }

  get (chunkId: Buffer): number {
    return this.bytes.get(chunkId.toString('hex')) ?? 0
  }
}
