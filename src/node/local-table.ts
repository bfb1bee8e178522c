import type { Store } from './store/index.js'

/**
 * A string-keyed table in the node's store for what an application keeps next to the node
 * (the dashboard's list of published content): never sent to the network, and gone with the
 * data directory. Values are bytes; the caller picks their format.
 */
export interface LocalTable {
  get (key: string): Buffer | undefined
  put (key: string, value: Buffer): Promise<void>
  /** Every value, in key order. */
  values (): Buffer[]
  remove (key: string): Promise<void>
  /** Every key, in key order. */
  keys (): string[]
}

export function openLocalTable (store: Store, name: string): LocalTable {
  // ordered-binary keys: the layout the dashboard's 'published' table has always had on disk.
  const db = store.openDatabase<Buffer, string>(name, { keyEncoding: 'ordered-binary' } as never)
  return {
    get: (key) => {
      const v = db.get(key)
      return v === undefined ? undefined : Buffer.from(v as Uint8Array)
    },
    put: async (key, value) => { await db.put(key, value) },
    remove: async (key) => { await db.remove(key) },
    keys: () => [...db.getKeys({})].map(k => String(k)),
    values: () => {
      const out: Buffer[] = []
      for (const { value } of db.getRange({})) out.push(Buffer.from(value as Uint8Array))
      return out
    }
  }
}
