import { MAX_FOUND_TAGS, encodeSearchResponse } from '../messages.js'
import type { TagHolder } from '../tag-holder.js'

/** TAG_FIND → TAG_FOUND: the tags held at the location, newest first, at most MAX_FOUND_TAGS. */
export function handleTagFind (holder: TagHolder, location: Buffer): Buffer {
  const held = holder.find(location).sort((a, b) => b.record.time - a.record.time).slice(0, MAX_FOUND_TAGS)
  return encodeSearchResponse({ type: 'tag-found', records: held.map(h => h.encoded) })
}
