/** What the search app needs from the node: queries over trusted indexes, and tag lookups. */
import type { SearchResults, TagOnTarget } from '../../../node/index.js'
export { SEARCH_HOST, SearchErrorCode, type SearchResults, type SearchHit, type TagOnTarget } from '../../../node/index.js'

export interface SearchPort {
  search: (query: string, opts: { limit: number, offset: number, signal: AbortSignal }) => Promise<SearchResults>
  taggedWith: (word: string, opts: { signal: AbortSignal }) => Promise<TagOnTarget[]>
  /** Normalises a tag word; undefined when it is none. */
  tagWord: (word: string) => string | undefined
}
