import type { Contact } from '../../../routing/contact.js'
import { tryDecode } from '../../../wire/codec.js'
import type { ChunkDescriptor } from '../chunk-format.js'
import { CHUNK_SERVICE, decodeChunkMessage, encodeChunkMessage } from '../messages.js'
import type { DownloadSession } from './download-session.js'

/** A descriptor and the peer it came from (untrusted until the chunk checks out). */
export interface PeerDescriptor { descriptor: ChunkDescriptor, from: Contact }

/**
 * A descriptor for the session's chunk from the first of `providers` that has one (its id
 * checked; its length by the decoder). A peer answering with another chunk's is banned.
 */
export async function requestDescriptor (session: DownloadSession, providers: Contact[]): Promise<PeerDescriptor | undefined> {
  const { deps, id, signal } = session
  const req = encodeChunkMessage({ type: 'getDescriptor', chunkId: id })
  for (const p of providers) {
    let reply: Buffer
    try {
      reply = await deps.network.request(p, CHUNK_SERVICE, req, { signal, timeoutMs: deps.requestTimeoutMs })
    } catch {
      signal.throwIfAborted()
      continue
    }
    const m = tryDecode(decodeChunkMessage, reply)
    if (m?.type !== 'descriptor') continue
    if (!m.descriptor.id.equals(id)) { session.ban(p, 'answered with the descriptor of another chunk'); continue }
    return { descriptor: m.descriptor, from: p }
  }
  return undefined
}
