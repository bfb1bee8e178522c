import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CodecItem, FrameParser } from '../../../../../src/node/services/radio/codecs/codec-item.js'
import { createFrameParser } from '../../../../../src/node/services/radio/codecs/frame-parser.js'
import type { RadioCodec } from '../../../../../src/node/services/radio/radio-api.js'

export function fixture (name: string): Buffer {
  return readFileSync(join(import.meta.dirname, '../../../../fixtures/radio', name))
}

/** ffmpeg makes fresh files for the wider tests; outside CI they skip without it. */
export const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0

let dir: string | undefined

/** Runs ffmpeg with `args` (input options included) writing `name` in a temp dir; returns the bytes. */
export function ffmpegMake (name: string, args: string[]): Buffer {
  dir ??= mkdtempSync(join(tmpdir(), 'tornet-radio-codecs-'))
  const out = join(dir, name)
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, out])
  return readFileSync(out)
}

/** A tone of `seconds` from ffmpeg's sine source, encoded with `codecArgs`. */
export function ffmpegTone (name: string, seconds: number, codecArgs: string[]): Buffer {
  return ffmpegMake(name, ['-f', 'lavfi', '-i', `sine=f=440:d=${seconds}`, ...codecArgs])
}

export interface Parsed {
  parser: FrameParser
  items: CodecItem[]
  frames: Buffer[]
  ms: number
  titles: string[]
  inits: Buffer[]
}

/** Feeds `b` in chunks of `chunk` bytes (whole when 0) and ends the stream. */
export function parse (codec: RadioCodec, b: Buffer, chunk = 0): Parsed {
  const parser = createFrameParser(codec)
  const items: CodecItem[] = []
  const step = chunk > 0 ? chunk : Math.max(1, b.length)
  for (let i = 0; i < b.length; i += step) items.push(...parser.push(b.subarray(i, i + step)))
  items.push(...parser.end())
  const frames = items.flatMap(it => it.kind === 'frame' ? [it.data] : [])
  return {
    parser,
    items,
    frames,
    ms: items.reduce((a, it) => a + (it.kind === 'frame' ? it.durationMs : 0), 0),
    titles: items.flatMap(it => it.kind === 'title' ? [it.text] : []),
    inits: items.flatMap(it => it.kind === 'init' ? [it.data] : [])
  }
}

/** ffprobe's duration of a file's bytes, seconds. */
export function probeSeconds (name: string, bytes: Buffer): number {
  dir ??= mkdtempSync(join(tmpdir(), 'tornet-radio-codecs-'))
  const path = join(dir, name)
  execFileSync('sh', ['-c', 'cat > "$1"', 'sh', path], { input: bytes })
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]).toString().trim())
}

/** Deterministic pseudo-random bytes (xorshift), for garbage that is the same on every run. */
export function noise (n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    b[i] = x & 0xff
  }
  return b
}
