import { encodeSearchResponse } from '../messages.js'
import type { TagHolder } from '../tag-holder.js'

/** TAG_STORE → TAG_STORED(status): the holder decodes, verifies and keeps the tag, or says why not. */
export function handleTagStore (holder: TagHolder, location: Buffer, record: Buffer): Buffer {
  return encodeSearchResponse({ type: 'tag-stored', status: holder.offer(location, record) })
}
