/**
 * The public face of the node: the gateway, the resolvers and the CLI import
 * from here and nowhere else in src/node.
 */
export { createNode, TornetNode, NodeErrorCode, type NodeInit, type NodeLog, type NodePublishProgress } from './node.js'
export type { ConnectedPeer, RoutingBucket, TrafficTotals } from './node-status.js'
export type { LocalTable } from './local-table.js'
export type { PeerAccount, Usage as StoreUsage } from './store/index.js'
export type { LookupEvent, LookupResult } from './routing/lookup-types.js'
export { TornetError, isTornetError, tornetError, layerErrorClass, type CodeOf, type ErrorFactory, type LayerErrorClass } from './errors.js'
export type { Endpoint, Id256 } from './types.js'
export { TORNET_SUFFIX, DASHBOARD_HOST, MAIL_HOST } from './constants.js'
export { formatHostPort } from './host-port.js'
export { loadConfig, defaultConfig, resolveDataDir, configPath, parseEndpoint, type TornetConfig, type ConfigOverrides } from './config.js'
export { generateIdentity, nodeIdOf, rankOf, type Identity } from './identity/identity.js'
export { loadIdentity, saveIdentity, identityPath, hasIdentityFile } from './identity/identity-file.js'
export { writeSecretFile, readSecretFile, othersMay } from './identity/secret-file.js'
export { MAX_MINING_RANK, mineIdentity, verifyRankProof, type MiningProgress } from './identity/miner.js'
export { IdentityErrorCode } from './identity/errors.js'
export { formatReference, parseReference, isReferenceHost, type Reference } from './services/content/reference.js'
export { keyHost, parseKeyHost, hiddenAddressLabel } from './services/tunnels/hidden-address.js'
export { TunnelErrorCode } from './services/tunnels/errors.js'
export { MAX_HOPS } from './services/tunnels/onion.js'
export type { AnonymousContent } from './services/tunnels/anonymous-content.js'
export { walkDirectory } from './services/content/walk.js'
export { ContentErrorCode } from './services/content/content-library.js'
export { describeTarget, parseTarget, type TargetText } from './services/names/target-text.js'
export type { PeerInfo } from './link/types.js'
export { pathMtuCeiling } from './transport/interface-mtu.js'
export type { Contact } from './routing/contact.js'
export { createTestnet, type Testnet, type TestnetOptions } from './testnet.js'
export {
  RADIO_CONTENT_TYPE, MAX_SEGMENT_PAYLOAD, MAX_POST_BYTES,
  type RadioCodec, type SegmentKind, type VerifiedSegment, type StationInfo, type BroadcastStats, type Broadcast,
  type ListenEnd, type Listening, type RadioService, type StationKeyPair
} from './services/radio/radio-api.js'
export { RadioError, RadioErrorCode, type RadioErrorCodeValue } from './services/radio/errors.js'
export { createStationKey, loadStationKey, listStationKeys, stationKeyPath, type StationKey } from './services/radio/station-key.js'
export type { RadioServiceOptions } from './services/radio/radio-service.js'
export { sniffCodec } from './services/radio/codecs/sniff.js'
export { createFrameParser } from './services/radio/codecs/frame-parser.js'
export { Segmenter, type SegmentItem } from './services/radio/codecs/segmenter.js'
export { Pacer, systemPacerClock, type PacerClock } from './services/radio/codecs/pacer.js'
export { RadioCodecError, RadioCodecErrorCode } from './services/radio/codecs/errors.js'
export {
  TUNNEL_SERVICE, END_REASON, type EndReason, type TunnelService, type Circuit, type CircuitInfo, type CircuitPurpose, type BuildOptions,
  type RelayCircuitView, type TunnelStats, type RelayCircuitContext, type RelayRequestHandler, type RelayStreamHandler, type HopKeyMaterial
} from './services/tunnels/tunnel-api.js'
export { TunnelError, type TunnelErrorCodeValue } from './services/tunnels/errors.js'
export { withRebuild } from './services/tunnels/with-rebuild.js'
export { reasonOf as tunnelEndReasonOf, worthRebuilding } from './services/tunnels/end-reasons.js'
export {
  MAIL_FOLDERS, type MailApi, type MailFolder, type MailboxInfo, type MailRecipient, type AttachmentInput, type OutgoingMail,
  type DeliveryState, type MessageSummary, type AttachmentInfo, type MessageView, type MessagePage, type ListOptions,
  type Contact as MailContact, type SendProgress, type CheckResult
} from './services/mail/mail-api.js'
export { MailError, MailErrorCode, type MailErrorCodeValue } from './services/mail/errors.js'
export { parseAddress, keyAddress, formatAddress, normalizeAddress, type ParsedAddress } from './services/mail/address.js'
export { MAX_PLAIN_BYTES, MAX_SEALED_BYTES } from './services/mail/seal.js'
export { loadMailKeys, mailKeysPath } from './services/mail/mail-keys.js'
export type { HiddenServices, HiddenServiceInfo, HiddenConnectProgress } from './services/tunnels/hidden-api.js'
export { listHiddenKeys, loadHiddenKey, deleteHiddenKey, hiddenKeyPath, type HiddenServiceKey } from './services/tunnels/hidden/hs-key-file.js'
export { PortMapper, type PortMapperOptions, type PortMapping } from './services/reach/port-mapper.js'
export { describeReachability, ReachError, ReachErrorCode, type Reachability, type ReachabilityStatus, type ReachService } from './services/reach/index.js'
export { createPunchService, PunchError, PunchErrorCode, type PunchService } from './services/punch/index.js'
export { createBitcoinPayments, type BitcoinPaymentsService, type BitcoinPaymentsOptions } from './accounting/bitcoin/payments.js'
export type { BitcoinConfig, BitcoinPayments, ChainSource, ReceivedPayment, PaymentRequest, TipResult, WatchOptions } from './accounting/bitcoin/payments-api.js'
export { BitcoinErrorCode } from './accounting/bitcoin/errors.js'
export { buildPaymentUri, parsePaymentUri, formatBtc, parseBtc } from './accounting/bitcoin/bip21.js'
export { paymentQr, type QrFormat } from './accounting/bitcoin/payment-qr.js'
export { splitDonation, DEFAULT_DUST_SATS } from './accounting/bitcoin/donation-split.js'
export type { LedgerReport, LedgerPeerRow } from './accounting/ledger/ledger-report.js'
export { AccountingError, AccountingErrorCode, type CreditRefusal } from './accounting/errors.js'
export { Cause, CAUSE_NAMES, chunkBytePrice, chunkPrice } from './accounting/price.js'
export type { CreditConfig } from './accounting/accounting.js'
