import type { ServiceRequestContext } from '../../service-network.js'
import { tryDecode } from '../../../wire/codec.js'
import type { RecordRequest } from '../messages.js'
import type { Admission } from '../replica-admission.js'
import { handleGet } from './get.js'
import { handleStore } from './store.js'

/**
 * A kind's inbound requests, one handler per message type (kad-dht's
 * rpc/handlers habit). A request that does not decode is answered with the
 * kind's MALFORMED store reply, whatever its type: the reply shapes cannot
 * tell the asker more, and the old services did the same.
 */
export function recordRequestHandler<Held, Key, Code> (a: Admission<Held, Key, Code>) {
  const handlers: { [T in RecordRequest<Key>['type']]: (m: Extract<RecordRequest<Key>, { type: T }>, ctx: ServiceRequestContext) => Buffer } = {
    store: (m, ctx) => handleStore(a, m.record, ctx),
    get: m => handleGet(a, m.key)
  }
  return async (payload: Buffer, ctx: ServiceRequestContext): Promise<Uint8Array> => {
    const req = tryDecode(a.kind.requests.decode, payload)
    if (req === undefined) return a.kind.storeReplies.encode({ accepted: false, code: a.kind.malformed })
    return req.type === 'store' ? handlers.store(req, ctx) : handlers.get(req, ctx)
  }
}
