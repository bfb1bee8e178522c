import { type CodeOf, layerErrorClass } from '../../../errors.js'

/**
 * Stable codes of the audio framing layer (what `tornet radio broadcast` reads).
 * Bytes come from a file or stdin, not the network, but they are still untrusted:
 * every failure is one of these, with a message saying what to do.
 */
export const RadioCodecErrorCode = {
  /** The bytes are none of MP3, Ogg (Vorbis/Opus) or AAC ADTS. */
  UNKNOWN_FORMAT: 'RADIO_CODEC_UNKNOWN_FORMAT',
  /** The format was recognised but the stream lost sync for too long, or a header lies. */
  CORRUPT: 'RADIO_CODEC_CORRUPT',
  /** A unit the stream cannot carry: an Ogg page or header set over one segment's payload. */
  TOO_LARGE: 'RADIO_CODEC_TOO_LARGE',
  /** An Ogg stream whose codec is neither Vorbis nor Opus. */
  UNSUPPORTED: 'RADIO_CODEC_UNSUPPORTED'
} as const

export type RadioCodecErrorCodeValue = CodeOf<typeof RadioCodecErrorCode>

export const RadioCodecError = layerErrorClass<RadioCodecErrorCodeValue>('RadioCodecError')
export type RadioCodecError = InstanceType<typeof RadioCodecError>

/** The advice every "cannot read this audio" message ends with. */
export const CONVERT_HINT = 'convert with ffmpeg -i IN -f mp3 - | tornet radio broadcast <label> -'
