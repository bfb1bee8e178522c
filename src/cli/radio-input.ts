import { createReadStream, readdirSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import {
  RadioCodecErrorCode, Segmenter, createFrameParser, isTornetError, sniffCodec,
  type RadioCodec, type SegmentItem
} from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'
import { usageError } from './errors.js'

/**
 * Where a broadcast's audio comes from: one file, a folder (a playlist, looped),
 * or `-` (a live stream on stdin). The codec is sniffed before anything is
 * broadcast, so an unknown format fails at once with advice.
 */
export interface RadioInput {
  codec: RadioCodec
  /** Estimated from the first bytes, for icy-br. */
  bitrateKbps: number
  /** "stdin", a file name, or "N files in DIR". */
  description: string
  /** Segments in play order, with titles and (Ogg) init bytes; a loop never ends by itself. */
  items: (signal: AbortSignal) => AsyncGenerator<SegmentItem>
}

export interface RadioInputOptions {
  stdin?: NodeJS.ReadableStream
  /** Play a single file again and again (a folder always loops). */
  loop?: boolean
  onWarning?: (message: string) => void
}

export const AUDIO_FILE = /\.(mp3|ogg|oga|opus|aac)$/i
/** Most bytes read to decide the codec (an ID3 tag with cover art may come first). */
const MAX_HEAD = 8 * 1024 * 1024
const FIRST_HEAD = 64 * 1024

export async function openRadioInput (source: string, opts: RadioInputOptions = {}): Promise<RadioInput> {
  const warn = opts.onWarning ?? (() => {})
  if (source === '-') return await openStdin(opts.stdin ?? process.stdin)
  let isDir: boolean
  try {
    isDir = statSync(source).isDirectory()
  } catch {
    throw commandError(CommandErrorCode.NO_SUCH_FILE, `${source}: no such file or folder. Give an MP3, Ogg or AAC file, a folder of them, or - for stdin`)
  }
  const paths = isDir
    ? readdirSync(source).filter(n => AUDIO_FILE.test(n)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).map(n => join(source, n))
    : [source]
  if (paths.length === 0) throw commandError(CommandErrorCode.NO_SUCH_FILE, `${source} holds no .mp3, .ogg, .opus or .aac files: add some, or convert with ffmpeg -i IN OUT.mp3`)
  const files: string[] = []
  let codec: RadioCodec | undefined
  let head: Buffer | undefined
  for (const path of paths) {
    let c: RadioCodec
    let h: Buffer
    try {
      ({ codec: c, head: h } = await sniffFile(path))
    } catch (err) {
      if (!isDir) throw err
      warn(`skipping ${basename(path)}: ${(err as Error).message}`)
      continue
    }
    codec ??= c
    head ??= h
    // A station has one codec (it is the stream's Content-Type): the odd file out is left out.
    if (c !== codec) { warn(`skipping ${basename(path)}: it is ${c}, the playlist is ${codec}`); continue }
    files.push(path)
  }
  if (codec === undefined || head === undefined) throw commandError(CommandErrorCode.NO_SUCH_FILE, `no playable file in ${source}: see the warnings above`)
  const loop = isDir || opts.loop === true
  const stationCodec = codec
  return {
    codec,
    bitrateKbps: estimateBitrate(codec, head),
    description: isDir ? `${files.length} file${files.length === 1 ? '' : 's'} in ${source}${loop ? ', looped' : ''}` : basename(source),
    items: (signal) => playlist(files, stationCodec, loop, warn, signal)
  }
}

async function sniffFile (path: string): Promise<{ codec: RadioCodec, head: Buffer }> {
  const fh = await open(path, 'r')
  try {
    const size = (await fh.stat()).size
    for (let n = Math.min(size, FIRST_HEAD); ; n = Math.min(size, MAX_HEAD)) {
      const buf = Buffer.alloc(n)
      const { bytesRead } = await fh.read(buf, 0, n, 0)
      const head = buf.subarray(0, bytesRead)
      const codec = sniffCodec(head, bytesRead >= size || n >= MAX_HEAD)
      if (codec !== undefined) return { codec, head }
    }
  } finally {
    await fh.close()
  }
}

async function openStdin (stdin: NodeJS.ReadableStream): Promise<RadioInput> {
  if ((stdin as { isTTY?: boolean }).isTTY === true) throw usageError('- reads audio from stdin: pipe it in, e.g. ffmpeg -re -i IN -f mp3 - | tornet radio broadcast <label> -')
  const it = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]()
  const chunks: Buffer[] = []
  let bytes = 0
  let codec: RadioCodec | undefined
  for (;;) {
    const r = await it.next()
    if (r.done !== true) { const b = Buffer.from(r.value); chunks.push(b); bytes += b.length }
    codec = sniffCodec(Buffer.concat(chunks), r.done === true || bytes >= MAX_HEAD)
    if (codec !== undefined) break
  }
  const head = Buffer.concat(chunks)
  const stationCodec = codec
  return {
    codec,
    bitrateKbps: estimateBitrate(codec, head),
    description: 'stdin',
    items: async function * (signal) {
      const rest = { [Symbol.asyncIterator]: () => it }
      yield * streamItems(prepend(head, rest), stationCodec, undefined, signal)
    }
  }
}

async function * prepend (head: Buffer, rest: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  yield head
  for await (const c of rest) yield Buffer.from(c)
}

function estimateBitrate (codec: RadioCodec, head: Buffer): number {
  const parser = createFrameParser(codec)
  try { parser.push(head) } catch { /* the broadcast itself reports a broken stream */ }
  return parser.bitrateKbps
}

async function * playlist (files: string[], codec: RadioCodec, loop: boolean, warn: (m: string) => void, signal: AbortSignal): AsyncGenerator<SegmentItem> {
  do {
    let played = 0
    for (const path of files) {
      try {
        for await (const it of streamItems(createReadStream(path, { signal }), codec, titleOfFile(path), signal)) {
          if (it.kind === 'audio') played++
          yield it
        }
      } catch (err) {
        if (signal.aborted || files.length === 1 || !isTornetError(err) || !Object.values(RadioCodecErrorCode).includes(err.code as never)) throw err
        warn(`skipping the rest of ${basename(path)}: ${err.message}`)
      }
    }
    if (played === 0) throw commandError(CommandErrorCode.NOT_FOUND, 'no file of the playlist could be played: see the warnings above')
  } while (loop && !signal.aborted)
}

/** The now-playing text of a file without tags: its name, less the extension. */
export function titleOfFile (path: string): string {
  return basename(path, extname(path)).replace(/_/g, ' ')
}

/**
 * One stream's segments. A title from the stream's tags wins; without one, the
 * fallback (the file name) is announced before the first audio.
 */
async function * streamItems (chunks: AsyncIterable<Buffer | string>, codec: RadioCodec, fallbackTitle: string | undefined, signal: AbortSignal): AsyncGenerator<SegmentItem> {
  const parser = createFrameParser(codec)
  const segmenter = new Segmenter()
  let titled = fallbackTitle === undefined
  function * ordered (items: SegmentItem[]): Generator<SegmentItem> {
    for (const it of items) {
      if (it.kind === 'title') titled = true
      if (it.kind === 'audio' && !titled) { titled = true; yield { kind: 'title', text: fallbackTitle ?? '' } }
      yield it
    }
  }
  for await (const chunk of chunks) {
    if (signal.aborted) return
    yield * ordered(segmenter.push(parser.push(Buffer.from(chunk))))
  }
  yield * ordered(segmenter.push(parser.end()))
  yield * ordered(segmenter.flush())
}
