/**
 * The public face of the node: the gateway, the resolvers and the CLI import
 * from here and nowhere else in src/node.
 */
export { createNode, TornetNode, NodeErrorCode, type NodeInit, type NodeLog, type NodePublishProgress } from './node.js'
export { TornetError, isTornetError, tornetError, layerErrorClass, type CodeOf, type ErrorFactory, type LayerErrorClass } from './errors.js'
export type { Endpoint, Id256 } from './types.js'
export { loadConfig, defaultConfig, resolveDataDir, configPath, parseEndpoint, type TornetConfig, type ConfigOverrides } from './config.js'
export { generateIdentity, nodeIdOf, rankOf, type Identity } from './identity/identity.js'
export { loadIdentity, saveIdentity, identityPath, hasIdentityFile } from './identity/identity-file.js'
export { mineIdentity, verifyRankProof, type MiningProgress } from './identity/miner.js'
export { IdentityErrorCode } from './identity/errors.js'
export { formatReference, parseReference, isReferenceHost, type Reference } from './services/fs/reference.js'
export { walkDirectory } from './services/fs/walk.js'
export { ContentErrorCode } from './services/fs/content-library.js'
export { describeTarget, parseTarget, type TargetText } from './services/names/target-text.js'
export type { PeerInfo } from './link/types.js'
export type { Contact } from './routing/contact.js'
export { createTestnet, type Testnet, type TestnetOptions } from './testnet.js'
// Radio (issue 14): what the CLI and the demo need to create stations and broadcast.
export { MAX_POST_BYTES, MAX_SEGMENT_PAYLOAD, type Broadcast, type BroadcastStats, type RadioCodec, type RadioService, type StationKeyPair } from './services/radio/radio-api.js'
export { createStationKey, loadStationKey, listStationKeys, type StationKey } from './services/radio/station-key.js'
export { sniffCodec } from './services/radio/codecs/sniff.js'
export { createFrameParser } from './services/radio/codecs/frame-parser.js'
export { Segmenter, type SegmentItem } from './services/radio/codecs/segmenter.js'
export { Pacer, systemPacerClock, type PacerClock } from './services/radio/codecs/pacer.js'
export { RadioCodecError, RadioCodecErrorCode } from './services/radio/codecs/errors.js'
