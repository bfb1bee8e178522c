export { ReliableStream, type ReliableStreamOptions, type ReliableStreamStats } from './reliable-stream.js'
export { StreamError, type StreamErrorCode } from './errors.js'
export { RstReason } from './frames.js'
export { DEFAULT_MTU, STREAM_LINGER_MS } from './constants.js'
