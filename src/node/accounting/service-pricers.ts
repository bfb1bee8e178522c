import { KV_SERVICE } from '../services/kv/messages.js'
import { MAIL_SERVICE } from '../services/mail/host/mailbox-records.js'
import { RADIO_SERVICE, decodePushReply, decodeRequest as decodeRadioRequest } from '../services/radio/messages.js'
import { RoutingMessageType } from '../wire/routing-messages.js'
import { Cause, LOOKUP_ANSWER_PRICE, flatPrice, radioSegmentPrice } from './price.js'
import type { ExchangePricer } from './priced-exchange.js'

/**
 * How each service's request/reply exchanges are priced (priced-exchange.ts):
 *
 *  - dht: a FIND_NODE or FIND_VALUE answered with contacts, a value or a not-found count is one
 *    lookup answer, LOOKUP_ANSWER_PRICE whatever its size; pings and cache offers are routing
 *    chatter, never priced.
 *  - kv and mail: the answerer stored or sent what was asked: a unit per byte of the request
 *    and the reply (flatPrice).
 *  - radio: a PUSH the child took is service from the pusher, priced by the pusher's depth
 *    (the relays on the path it sends, price.ts radioSegmentPrice); the 32-byte keep-alive
 *    that carries no segment, and subscriptions, are not priced.
 *
 * Tunnel cells are not request/reply exchanges; relays charge them as they forward them
 * (tunnel-service.ts onRelayed).
 */
export const DHT_SERVICE = 'dht'

const LOOKUP_REQUESTS = new Set<number>([RoutingMessageType.findNode, RoutingMessageType.findValue])
const LOOKUP_ANSWERS = new Set<number>([RoutingMessageType.nodes, RoutingMessageType.value, RoutingMessageType.notFoundCount])

export const lookupPricer: ExchangePricer = (request, reply) =>
  request.length > 0 && reply.length > 0 && LOOKUP_REQUESTS.has(request[0]) && LOOKUP_ANSWERS.has(reply[0])
    ? { cause: Cause.lookup, server: 'answerer', credit: LOOKUP_ANSWER_PRICE }
    : undefined

const storagePricer = (cause: typeof Cause.kv | typeof Cause.mailPush): ExchangePricer => (request, reply) =>
  reply.length === 0 ? undefined : { cause, server: 'answerer', credit: flatPrice(request.length + reply.length) }

export const radioPricer: ExchangePricer = (request, reply) => {
  const m = decodeRadioRequest(request)
  if (m.type !== 'push' || m.segment.length <= 32 || !decodePushReply(reply).taken) return undefined
  return { cause: Cause.radioSegment, server: 'asker', credit: radioSegmentPrice(m.segment.length, m.path.length) }
}

export const SERVICE_PRICERS: Readonly<Record<string, ExchangePricer>> = {
  [DHT_SERVICE]: lookupPricer,
  [KV_SERVICE]: storagePricer(Cause.kv),
  [MAIL_SERVICE]: storagePricer(Cause.mailPush),
  [RADIO_SERVICE]: radioPricer
}
