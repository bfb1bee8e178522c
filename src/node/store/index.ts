/** The store's public face: open the environment, then use its typed databases. */
export { openStore, STORE_SCHEMA_VERSION, type Store, type StoreOptions } from './environment.js'
export { StoreErrorCode, StoreWarningCode, type StoreWarning, type WarningSink } from './errors.js'
export { PeerAccounts, type PeerContact, type PeerAccountStats } from './peer-accounts.js'
export type { PeerAccount } from './peer-account-codec.js'
export { ChunkStore, MAX_CHUNK_BYTES, DEFAULT_CACHE_BYTES, type ChunkStoreOptions } from './chunk-store.js'
export type { Usage } from './chunk-index.js'
export { ContentIndex, MAX_LOCATION_BYTES } from './content-index.js'
export { cacheValue, closenessOf, DEFAULT_HALF_LIFE_MS } from './cache-value.js'
