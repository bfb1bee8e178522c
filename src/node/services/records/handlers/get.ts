import type { Admission } from '../replica-admission.js'

/** GET: the record held for the key, or "none"; nothing is checked again (it was on the way in). */
export function handleGet<Held, Key, Code> (a: Admission<Held, Key, Code>, key: Key): Buffer {
  return a.kind.getReplies.encode(a.holder.encodedByKey(key))
}
