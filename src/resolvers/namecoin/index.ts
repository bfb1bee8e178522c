/** The Namecoin (.bit) resolver: what the gateway, the resolver chain and the CLI import. */
export { NamecoinResolver, looksLikeTornetReference, type NamecoinResolverOptions, type NamecoinResolution } from './namecoin-resolver.js'
export { DEFAULT_NAMECOIN_CONFIG, createNameSource, validateNamecoinConfig, type NamecoinConfig } from './namecoin-config.js'
export { NAME_EXPIRATION_BLOCKS, type NameRecord, type NameSource } from './name-source.js'
export { NamecoinRpcSource, type NamecoinRpcOptions } from './namecoin-rpc-source.js'
export { ElectrumxSource, type ElectrumxSourceOptions } from './electrumx-source.js'
export { parseServer, type ElectrumServer } from './electrum-connection.js'
export { CachingNameSource } from './caching-name-source.js'
