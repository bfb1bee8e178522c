import { CodeOf, layerErrorClass } from '../errors.js'

/**
 * Stable codes for the routing layer. Tests check `code`, never the text.
 */
export const RoutingErrorCode = {
  /** A request to our DHT service could not be decoded or broke a bound; no reply is sent. */
  badRequest: 'ROUTING_BAD_REQUEST',
  /** A reply could not be decoded, or did not match the request it answered. */
  badReply: 'ROUTING_BAD_REPLY',
  /** The caller's AbortSignal fired. */
  aborted: 'ROUTING_ABORTED',
  /** A lookup had nobody to ask: the routing table is empty. Bootstrap first. */
  noContacts: 'ROUTING_NO_CONTACTS',
  /** None of the bootstrap endpoints answered. */
  bootstrapFailed: 'ROUTING_BOOTSTRAP_FAILED',
  /** A value offered to or by the DHT is larger than one VALUE message can carry. */
  valueTooLarge: 'ROUTING_VALUE_TOO_LARGE',
  /** A value kind was registered twice, or is out of range. */
  badValueKind: 'ROUTING_BAD_VALUE_KIND',
  /** The Dht was used after stop(). */
  stopped: 'ROUTING_STOPPED'
} as const

export type RoutingErrorCodeValue = CodeOf<typeof RoutingErrorCode>

export const RoutingError = layerErrorClass<RoutingErrorCodeValue>('RoutingError')
export type RoutingError = InstanceType<typeof RoutingError>
