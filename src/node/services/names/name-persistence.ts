/**
 * Where the names service keeps what must outlive a restart: the chains it
 * holds for others (NameRegistry) and the chains of the names it owns (which
 * it renews). The node backs each with an LMDB database; tests with a Map.
 *
 * Key: nameKey(name), 32 bytes (SHA-256("name:" ‖ name)). Value: the chain
 * as encodeChain writes it (chain.ts), the same bytes replicas exchange.
 */
export interface NamePersistence {
  /** Every saved chain, encoded; read once, at construction. May be lazy: loading stops at its bound. */
  load: () => Iterable<Uint8Array>
  save: (key: Buffer, encoded: Buffer) => void
  remove: (key: Buffer) => void
}

/** What a load found. Nothing on disk can make start-up fail: what is unusable is counted here. */
export interface NameLoadStats {
  loaded: number
  /** Chains whose head had expired; removed from the disk. */
  expired: number
  /** Entries that did not decode or verify (left on disk: another version or config may read them). */
  invalid: number
  /** True when loading stopped at the bound with entries left unread. */
  truncated: boolean
}

export function emptyLoadStats (): NameLoadStats {
  return { loaded: 0, expired: 0, invalid: 0, truncated: false }
}
