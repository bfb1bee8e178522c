/**
 * Where Namecoin name values come from: a Namecoin Core node over JSON-RPC
 * or ElectrumX servers. A source answers for one full Namecoin name
 * ("d/example"), never for a DNS host.
 *
 * Contract:
 * - a record: the current value of a live name (`expiresIn` > 0 when known);
 * - `undefined`: the name was never registered (or the backend cannot tell
 *   it from an expired one);
 * - throws a TornetError: RESOLVE_EXPIRED (the name exists but expired),
 *   RESOLVE_UNAVAILABLE (backend unreachable, refused the credentials or
 *   answered nonsense), RESOLVE_TIMEOUT, RESOLVE_INVALID_RECORD (the value
 *   is not UTF-8). An aborted `signal` rejects with the signal's reason.
 */
export interface NameRecord {
  /** The name's value, decoded as UTF-8 (for d/ names a JSON object). */
  value: string
  /** Block height of the name's last update. */
  height: number
  /** Blocks until the name expires; ≤ 0 means expired. */
  expiresIn?: number
  /** Transaction id (hex, as block explorers show it) of the last update. */
  txid?: string
}

export interface NameSource {
  nameShow (name: string, signal?: AbortSignal): Promise<NameRecord | undefined>
}

/** Names expire this many blocks after their last update (Namecoin consensus since block 24000). */
export const NAME_EXPIRATION_BLOCKS = 36_000
