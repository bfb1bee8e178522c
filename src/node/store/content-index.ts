import { StoreErrorCode, storeError } from './errors.js'
import { type BinaryDatabase, type StoreContext, assertOpen, checkId, del, put, writeTxn } from './store-context.js'

/**
 * The publisher's "hash to entry" database from the seed: content hash (SHA-256 of a file's
 * plaintext, 32 bytes) → where that content already sits (chunk, offset, length… encoded by
 * the fs service; opaque here). Packing a directory consults it so unchanged files are not
 * stored again.
 */
export const MAX_LOCATION_BYTES = 64 * 1024

export class ContentIndex {
  constructor (private readonly ctx: StoreContext, private readonly db: BinaryDatabase) {}

  getLocation (hash: Uint8Array): Buffer | undefined {
    assertOpen(this.ctx)
    return this.db.getBinary(checkId(hash, 'content hash'))
  }

  async setLocation (hash: Uint8Array, location: Uint8Array): Promise<void> {
    assertOpen(this.ctx)
    const key = Buffer.from(checkId(hash, 'content hash'))
    if (!(location instanceof Uint8Array) || location.length === 0 || location.length > MAX_LOCATION_BYTES) {
      throw storeError(StoreErrorCode.INVALID_ARGUMENT, `a location must be 1..${MAX_LOCATION_BYTES} bytes`)
    }
    const value = Buffer.from(location)
    await writeTxn(this.ctx, 'saving a content location', () => { put(this.db, key, value) })
  }

  async deleteLocation (hash: Uint8Array): Promise<boolean> {
    assertOpen(this.ctx)
    const key = Buffer.from(checkId(hash, 'content hash'))
    const existed = this.db.doesExist(key)
    await writeTxn(this.ctx, 'deleting a content location', () => { del(this.db, key) })
    return existed
  }
}
