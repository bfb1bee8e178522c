/**
 * What a player wrote to a WAV file, checked as sound: RIFF/WAVE parsing
 * (16-bit PCM or 32-bit float, any channel count, mixed down to mono), how
 * many seconds are audible, and the dominant frequency by Goertzel's
 * algorithm (a coarse scan, then a fine one around the peak).
 */

export interface Pcm { sampleRate: number, samples: Float32Array }

export function parseWav (file: Buffer): Pcm {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file')
  let at = 12
  let format: { tag: number, channels: number, rate: number, bits: number } | undefined
  while (at + 8 <= file.length) {
    const id = file.toString('latin1', at, at + 4)
    let size = file.readUInt32LE(at + 4)
    const body = at + 8
    if (id === 'fmt ') {
      let tag = file.readUInt16LE(body)
      if (tag === 0xfffe && size >= 26) tag = file.readUInt16LE(body + 24) // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
      format = { tag, channels: file.readUInt16LE(body + 2), rate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) }
    } else if (id === 'data') {
      if (format === undefined) throw new Error('WAV data before its fmt chunk')
      // A writer killed before it could fix up the header leaves 0 or a too-large size: take what is there.
      if (size === 0 || body + size > file.length) size = file.length - body
      return { sampleRate: format.rate, samples: toMono(file.subarray(body, body + size), format) }
    }
    at = body + size + (size & 1)
  }
  throw new Error('WAV file without a data chunk')
}

function toMono (data: Buffer, f: { tag: number, channels: number, bits: number }): Float32Array {
  const width = f.bits / 8
  const frames = Math.floor(data.length / (width * f.channels))
  const out = new Float32Array(frames)
  const read = f.tag === 3 && f.bits === 32
    ? (o: number) => data.readFloatLE(o)
    : f.tag === 1 && f.bits === 16
      ? (o: number) => data.readInt16LE(o) / 32768
      : undefined
  if (read === undefined) throw new Error(`unsupported WAV sample format (tag ${f.tag}, ${f.bits} bits)`)
  for (let i = 0; i < frames; i++) {
    let sum = 0
    for (let c = 0; c < f.channels; c++) sum += read((i * f.channels + c) * width)
    out[i] = sum / f.channels
  }
  return out
}

/** Seconds of the signal whose 100 ms windows are louder than `rms` (silence and near-silence do not count). */
export function audibleSeconds (pcm: Pcm, rms = 0.01): number {
  const window = Math.floor(pcm.sampleRate / 10)
  let loud = 0
  for (let at = 0; at + window <= pcm.samples.length; at += window) {
    let sum = 0
    for (let i = at; i < at + window; i++) sum += pcm.samples[i]! * pcm.samples[i]!
    if (Math.sqrt(sum / window) > rms) loud++
  }
  return loud / 10
}

/** Power of `freq` in samples[from, from + n) (Goertzel). */
export function goertzel (samples: Float32Array, rate: number, freq: number, from = 0, n = samples.length - from): number {
  const k = 2 * Math.cos(2 * Math.PI * freq / rate)
  let s1 = 0
  let s2 = 0
  for (let i = from; i < from + n; i++) {
    const s0 = samples[i]! + k * s1 - s2
    s2 = s1
    s1 = s0
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2
}

/** The strongest frequency between `low` and `high` Hz, to within half a hertz, over (at most) 2 s from the middle. */
export function dominantFrequency (pcm: Pcm, low = 50, high = 4000): number {
  const n = Math.min(pcm.samples.length, 2 * pcm.sampleRate)
  const from = Math.floor((pcm.samples.length - n) / 2)
  const best = (lo: number, hi: number, step: number): number => {
    let peak = lo
    let power = -1
    for (let f = lo; f <= hi; f += step) {
      const p = goertzel(pcm.samples, pcm.sampleRate, f, from, n)
      if (p > power) { power = p; peak = f }
    }
    return peak
  }
  const coarse = best(low, high, 5)
  return best(coarse - 5, coarse + 5, 0.5)
}
