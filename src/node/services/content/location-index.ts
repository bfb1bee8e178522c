import { WireError } from '../../wire/codec.js'
import { decodeLocation, encodeLocation, type Location, locationProblem } from './location.js'

/**
 * A publisher's database of content hash → where those bytes already are.
 * Packing consults it so that republishing a tree after editing one file
 * reuses every unchanged file's chunk instead of repacking (no cascade).
 * Implementations persist with encodeLocation/decodeLocation (77 bytes).
 */
export interface LocationIndex {
  getLocation: (contentHash: Buffer) => Promise<Location | undefined> | Location | undefined
  setLocation: (contentHash: Buffer, loc: Location) => Promise<void> | void
}

/** In-memory index; also the model for a persistent one. */
export class MemoryLocationIndex implements LocationIndex {
  private readonly map = new Map<string, Buffer>()

  getLocation (contentHash: Buffer): Location | undefined {
    const b = this.map.get(contentHash.toString('hex'))
    return b === undefined ? undefined : decodeLocation(b)
  }

  setLocation (contentHash: Buffer, loc: Location): void {
    this.map.set(contentHash.toString('hex'), encodeLocation(loc))
  }

  get size (): number { return this.map.size }
}

/** Reads an index entry defensively: a stale or corrupt entry counts as a miss. */
export async function lookupLocation (index: LocationIndex, contentHash: Buffer, size: number): Promise<Location | undefined> {
  let loc: Location | undefined
  try {
    loc = await index.getLocation(contentHash)
  } catch (err) {
    if (err instanceof WireError) return undefined
    throw err
  }
  if (loc === undefined || loc.length !== size || locationProblem(loc) !== undefined) return undefined
  return loc
}
