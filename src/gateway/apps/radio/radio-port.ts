/**
 * The radio service as the gateway sees it: the node's RadioService contract,
 * taken whole through src/node/index.ts (the gateway's one door into the node).
 */
export { RADIO_CONTENT_TYPE } from '../../../node/index.js'
export type {
  ListenEnd, Listening, RadioCodec, RadioService, StationInfo, VerifiedSegment
} from '../../../node/index.js'
