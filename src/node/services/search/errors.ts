import { type CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the search service (tags, index building, queries). */
export const SearchErrorCode = {
  /** A tag record that does not decode, has no words, no target, or is over the size limit. */
  TAG_MALFORMED: 'SEARCH_TAG_MALFORMED',
  /** A tag record whose signature does not verify under its tagger's key. */
  TAG_BAD_SIGNATURE: 'SEARCH_TAG_BAD_SIGNATURE',
  /** A tag record dated too far in the future. */
  TAG_FROM_FUTURE: 'SEARCH_TAG_FROM_FUTURE',
  /** A tag store that no replica took. */
  TAG_NOT_STORED: 'SEARCH_TAG_NOT_STORED',
  /** The replica holds as many tags for this location as it keeps. */
  TAG_STORE_FULL: 'SEARCH_TAG_STORE_FULL',
  /** A request on the search service that does not decode. */
  MALFORMED: 'SEARCH_MALFORMED',
  /** No trusted builder has published an index (or none could be found). */
  NO_INDEX: 'SEARCH_NO_INDEX',
  /** A builder's index manifest or shard does not decode; the message names the builder. */
  SHARD_MALFORMED: 'SEARCH_SHARD_MALFORMED',
  /** An index too large for the shard format (terms, documents). */
  INDEX_TOO_LARGE: 'SEARCH_INDEX_TOO_LARGE',
  /** Bad arguments from the local caller. */
  INVALID_ARGUMENT: 'SEARCH_INVALID_ARGUMENT',
  /** Used before start() or after stop(). */
  NOT_RUNNING: 'SEARCH_NOT_RUNNING'
} as const

export type SearchErrorCodeValue = CodeOf<typeof SearchErrorCode>
export const SearchError = layerErrorClass<SearchErrorCodeValue>('SearchError')
