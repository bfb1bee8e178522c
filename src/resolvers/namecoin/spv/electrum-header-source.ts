import { resolveError } from '../../errors.js'
import { RESOLVE_ERRORS } from '../../types.js'
import type { HeaderSource } from './header-chain.js'

/**
 * A HeaderSource over any Electrum-protocol connection:
 *
 *   blockchain.block.headers [start, count, 0] → {"hex", "count", "max"}
 *
 * cp_height 0 asks Namecoin's ElectrumX (AuxPoWElectrumX) for full headers,
 * AuxPoW included; a non-zero cp_height would truncate them to 80 bytes.
 * The answer is checked for shape and size before the chain decodes it.
 */

export type ElectrumRequest = (method: string, params: unknown[], opts?: { signal?: AbortSignal }) => Promise<unknown>

/** Real AuxPoW headers are ~0.5–3 kB; a chunk larger than this is refused as abuse. */
export const MAX_HEADERS_ANSWER_BYTES = 16 << 20

export function electrumHeaderSource (request: ElectrumRequest, label = 'the ElectrumX server'): HeaderSource {
  return {
    async headers (start: number, count: number, signal?: AbortSignal): Promise<Buffer> {
      const answer = await request('blockchain.block.headers', [start, count, 0], { signal })
      const a = answer as { hex?: unknown, count?: unknown } | null
      if (typeof a?.hex !== 'string' || !Number.isSafeInteger(a.count) || (a.count as number) < 0 || (a.count as number) > count) {
        throw resolveError(RESOLVE_ERRORS.unavailable, `${label} answered blockchain.block.headers with something other than {hex, count}. Try another server.`)
      }
      if (a.hex.length / 2 > MAX_HEADERS_ANSWER_BYTES) throw resolveError(RESOLVE_ERRORS.unavailable, `${label} sent ${a.hex.length / 2} bytes of headers, more than ${MAX_HEADERS_ANSWER_BYTES}. Try another server.`)
      if (a.hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(a.hex)) throw resolveError(RESOLVE_ERRORS.unavailable, `${label} sent headers that are not hex. Try another server.`)
      return Buffer.from(a.hex, 'hex')
    }
  }
}
