import { tryDecode } from '../../../wire/codec.js'
import type { ServiceHandler } from '../../service-network.js'
import { SearchError, SearchErrorCode } from '../errors.js'
import { decodeSearchRequest } from '../messages.js'
import type { TagHolder } from '../tag-holder.js'
import { handleTagFind } from './tag-find.js'
import { handleTagStore } from './tag-store.js'

/** The search service's request handler: decode or refuse, then one handler per message. */
export function searchRequestHandler (holder: TagHolder): ServiceHandler {
  return {
    onRequest: async (payload) => {
      const m = tryDecode(decodeSearchRequest, payload)
      if (m === undefined) throw new SearchError(SearchErrorCode.MALFORMED, 'not a search request')
      return m.type === 'tag-store' ? handleTagStore(holder, m.location, m.record) : handleTagFind(holder, m.location)
    }
  }
}
