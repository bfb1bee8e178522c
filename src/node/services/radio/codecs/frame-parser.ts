import type { RadioCodec } from '../radio-api.js'
import { ADTS_HEADER_BYTES, readAdtsHeader } from './adts-header.js'
import type { FrameParser } from './codec-item.js'
import { MP3_HEADER_BYTES, isMp3InfoFrame, readMp3Header } from './mp3-header.js'
import { OggParser } from './ogg-parser.js'
import { SyncFrameParser } from './sync-frame-parser.js'

/** A fresh parser for one stream (one file, or stdin) of the given codec. */
export function createFrameParser (codec: RadioCodec): FrameParser {
  switch (codec) {
    case 'mp3': return new SyncFrameParser({ codec, name: 'MP3', headerBytes: MP3_HEADER_BYTES, read: readMp3Header, skip: isMp3InfoFrame })
    case 'aac': return new SyncFrameParser({ codec, name: 'AAC ADTS', headerBytes: ADTS_HEADER_BYTES, read: readAdtsHeader })
    case 'ogg': return new OggParser()
  }
}
