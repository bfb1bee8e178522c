import { hash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createFrameParser } from '../src/node/services/radio/codecs/frame-parser.js'
import { Pacer, systemPacerClock } from '../src/node/services/radio/codecs/pacer.js'
import { Segmenter } from '../src/node/services/radio/codecs/segmenter.js'
import type { RadioCodec } from '../src/node/services/radio/radio-api.js'
import { emit, progress } from './util.js'

/**
 * What `tornet radio broadcast` spends before the network: cutting audio into
 * frames and segments, per codec, as seconds of audio framed per second of CPU
 * (how many real-time streams one core could frame), with a native SHA-256
 * over the same bytes as the baseline; and how close to schedule the pacer
 * hands segments over on the real clock (lateness, ms).
 *
 *   npm run bench -- radio-codecs
 */

export const summary = 'radio broadcaster: framing speed per codec (× real time) and pacer lateness'

const root = join(import.meta.dirname, '..', '..')

function inputs (): Array<{ name: string, codec: RadioCodec, bytes: Buffer }> {
  const dir = join(root, 'sample', 'radio')
  const mp3 = Buffer.concat(readdirSync(dir).filter(n => n.endsWith('.mp3')).sort().map(n => readFileSync(join(dir, n))))
  const fixture = (n: string): Buffer => Buffer.concat(Array.from({ length: 100 }, () => readFileSync(join(root, 'test', 'fixtures', 'radio', n))))
  return [
    { name: 'mp3', codec: 'mp3', bytes: mp3 },
    { name: 'vorbis', codec: 'ogg', bytes: fixture('tone.ogg') },
    { name: 'opus', codec: 'ogg', bytes: fixture('tone.opus') },
    { name: 'aac', codec: 'aac', bytes: fixture('tone.aac') }
  ]
}

function frameOnce (codec: RadioCodec, bytes: Buffer): number {
  const parser = createFrameParser(codec)
  const seg = new Segmenter()
  let ms = 0
  for (let i = 0; i < bytes.length; i += 64 * 1024) {
    for (const it of seg.push(parser.push(bytes.subarray(i, i + 64 * 1024)))) if (it.kind === 'audio') ms += it.durationMs
  }
  for (const it of [...seg.push(parser.end()), ...seg.flush()]) if (it.kind === 'audio') ms += it.durationMs
  return ms
}

function timed (fn: () => void, minMs = 1000): number {
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < minMs) { fn(); n++ }
  return (performance.now() - t0) / n
}

export async function run (): Promise<void> {
  for (const { name, codec, bytes } of inputs()) {
    progress(`framing ${name}: ${bytes.length} bytes`)
    const audioMs = frameOnce(codec, bytes)
    const cpuMs = timed(() => frameOnce(codec, bytes))
    const shaMs = timed(() => hash('sha256', bytes, 'buffer'))
    emit(`radio_codecs.${name}_frame_x_realtime`, Math.round(audioMs / cpuMs), 'x', { audio_s: +(audioMs / 1000).toFixed(1) })
    emit(`radio_codecs.${name}_frame_mb_s`, +((bytes.length / 1e6) / (cpuMs / 1000)).toFixed(1), 'MB/s', { baseline_sha256_mb_s: +((bytes.length / 1e6) / (shaMs / 1000)).toFixed(1) })
  }
  progress('pacer: 80 segments of 50 ms on the real clock')
  const pacer = new Pacer(systemPacerClock, 0)
  const late: number[] = []
  const t0 = performance.now()
  for (let i = 0; i < 80; i++) {
    await pacer.next(50)
    late.push(performance.now() - t0 - i * 50)
  }
  late.sort((a, b) => a - b)
  emit('radio_codecs.pacer_late_ms_p50', +late[Math.floor(late.length * 0.5)].toFixed(2), 'ms')
  emit('radio_codecs.pacer_late_ms_max', +late[late.length - 1].toFixed(2), 'ms')
}
