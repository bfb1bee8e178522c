/**
 * The radio service as the gateway sees it: the node's RadioService contract
 * (src/node/services/radio/radio-api.ts), taken whole. It is imported here and
 * nowhere else in the gateway, so that when src/node/index.ts exports the
 * radio API this is the one line to point at it.
 */
export { RADIO_CONTENT_TYPE } from '../../../node/services/radio/radio-api.js'
export type {
  ListenEnd, Listening, RadioCodec, RadioService, StationInfo, VerifiedSegment
} from '../../../node/services/radio/radio-api.js'
