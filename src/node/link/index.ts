/** The link layer's public face: what node.ts, routing and services import. */
export { createLink, Link, type LinkEvents, type PeerErrorEvent } from './link.js'
export { DEFAULT_LIMITS, type LinkLimits, type LinkOptions } from './link-options.js'
export type { LinkStats } from './link-stats.js'
export { LinkError, LinkErrorCode, type LinkErrorCodeValue } from './errors.js'
export type {
  LinkLog, LinkLogLevel, LinkStream, LinkStreamInit, PeerAddress, PeerInfo, RequestOptions, ServiceHandlers, StreamFactory
} from './types.js'
