import { checkAnnouncedRecord } from '../record-admission.js'
import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** ADD_PROVIDER → ADDED(1) when the record is the sender's own, passes the admission policy (record-admission.ts) and was kept. */
export const handleAddProvider: ChunkRequestHandler<'addProvider'> = (deps, m, ctx) => {
  const now = deps.now()
  const ok = checkAnnouncedRecord(deps.admission, m.record, ctx.from, now) === undefined && deps.records.add(m.record, now)
  if (ok) deps.counters.recordsAccepted++
  else deps.counters.recordsRejected++
  return { type: 'added', accepted: ok }
}
