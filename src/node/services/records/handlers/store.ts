import type { ServiceRequestContext } from '../../service-network.js'
import { tryDecode } from '../../../wire/codec.js'
import { type Admission, offerFromPeer } from '../replica-admission.js'

/** STORE: the record is decoded, admitted (replica span, quota) and offered to the holder; the reply is the verdict. */
export function handleStore<Held, Key, Code> (a: Admission<Held, Key, Code>, record: Buffer, ctx: ServiceRequestContext): Buffer {
  const held = tryDecode(a.kind.decode, record)
  if (held === undefined) return a.kind.storeReplies.encode({ accepted: false, code: a.kind.malformed })
  const fresh = !a.holder.holds(held)
  const verdict = offerFromPeer(a, held, ctx.from)
  if (verdict.accepted && fresh) a.onStored?.(held, ctx.from, record.length)
  return a.kind.storeReplies.encode(verdict.accepted ? { accepted: true } : { accepted: false, code: verdict.code })
}
