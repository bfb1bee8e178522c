import { ReliableStream } from './stream/index.js'
import type { LinkStream, LinkStreamInit } from './types.js'

/** Streams over a link are ReliableStreams (flow and congestion control, in-order delivery). */
export function defaultStreamFactory (init: LinkStreamInit): LinkStream {
  return new ReliableStream({ send: init.send, sendData: init.sendData, mtu: init.mtu, initiator: init.initiator, onClose: init.onClose })
}
