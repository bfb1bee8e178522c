import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { openRadioInput, titleOfFile } from '../../../src/cli/radio-input.js'
import type { SegmentItem } from '../../../src/node/index.js'
import { id3v2TagBytes } from '../../../src/node/services/radio/codecs/id3-tag.js'
import { tempDataDir } from './cli-test-kit.js'

const FIXTURES = join(import.meta.dirname, '../../fixtures/radio')
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name))

async function take (items: AsyncGenerator<SegmentItem>, n: number): Promise<SegmentItem[]> {
  const out: SegmentItem[] = []
  for await (const it of items) {
    out.push(it)
    if (out.length >= n) break
  }
  return out
}

async function all (items: AsyncGenerator<SegmentItem>): Promise<SegmentItem[]> {
  const out: SegmentItem[] = []
  for await (const it of items) out.push(it)
  return out
}

const audioMs = (items: SegmentItem[]): number => items.reduce((a, it) => a + (it.kind === 'audio' ? it.durationMs : 0), 0)
const titles = (items: SegmentItem[]): string[] => items.flatMap(it => it.kind === 'title' ? [it.text] : [])

describe('openRadioInput', () => {
  it('a file: codec, bit rate, its tag title, then its audio once', async () => {
    const input = await openRadioInput(join(FIXTURES, 'tone.mp3'))
    expect(input).toMatchObject({ codec: 'mp3', bitrateKbps: 32, description: 'tone.mp3' })
    const items = await all(input.items(new AbortController().signal))
    expect(items[0]).toEqual({ kind: 'title', text: 'Tornet - Fixture Tone' })
    expect(audioMs(items)).toBeGreaterThan(1000)
  })

  it('a folder: a looping playlist in name order, titles from tags or file names, other codecs left out', async () => {
    const dir = join(tempDataDir(), 'music')
    mkdirSync(dir)
    const tone = fixture('tone.mp3')
    copyFileSync(join(FIXTURES, 'tone.mp3'), join(dir, '01-tagged.mp3'))
    writeFileSync(join(dir, '02_no_tags.mp3'), tone.subarray(id3v2TagBytes(tone)))
    copyFileSync(join(FIXTURES, 'tone.ogg'), join(dir, '03-other.ogg'))
    writeFileSync(join(dir, 'notes.txt'), 'not audio')
    const warnings: string[] = []
    const input = await openRadioInput(dir, { onWarning: (m) => warnings.push(m) })
    expect(input.codec).toBe('mp3')
    expect(input.description).toMatch(/^2 files in .*, looped$/)
    expect(warnings).toEqual([expect.stringMatching(/03-other\.ogg.*ogg/)])
    const items = await take(input.items(new AbortController().signal), 20)
    expect(titles(items).slice(0, 3)).toEqual(['Tornet - Fixture Tone', '02 no tags', 'Tornet - Fixture Tone'])
  })

  it('a folder: a file broken part way is reported and the playlist goes on', async () => {
    const dir = join(tempDataDir(), 'music')
    mkdirSync(dir)
    const tone = fixture('tone.mp3')
    const noise = Buffer.alloc(100_000)
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) & 0x7f
    writeFileSync(join(dir, 'a.mp3'), Buffer.concat([tone, noise]))
    writeFileSync(join(dir, 'b.mp3'), tone)
    const warnings: string[] = []
    const input = await openRadioInput(dir, { onWarning: (m) => warnings.push(m) })
    const items = await take(input.items(new AbortController().signal), 12)
    expect(warnings.some(w => /a\.mp3.*lost sync/.test(w))).toBe(true)
    expect(titles(items).length).toBeGreaterThanOrEqual(2)
  })

  it('stdin: sniffs the head, then streams everything after it', async () => {
    const opus = fixture('tone.opus')
    const chunks = [opus.subarray(0, 30), opus.subarray(30, 1000), opus.subarray(1000)]
    const input = await openRadioInput('-', { stdin: Readable.from(chunks) })
    expect(input).toMatchObject({ codec: 'ogg', description: 'stdin' })
    const items = await all(input.items(new AbortController().signal))
    expect(items.map(i => i.kind).slice(0, 2)).toEqual(['init', 'title'])
    expect(audioMs(items)).toBeCloseTo(1000, 0)
  })

  it.skipIf(spawnSync('ffmpeg', ['-version']).status !== 0)('stdin from a real ffmpeg pipe (ffmpeg … -f mp3 - | tornet radio broadcast x -)', async () => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=3', '-c:a', 'libmp3lame', '-b:a', '64k', '-metadata', 'title=Live', '-f', 'mp3', '-'])
    const input = await openRadioInput('-', { stdin: ff.stdout })
    expect(input.codec).toBe('mp3')
    const items = await all(input.items(new AbortController().signal))
    expect(titles(items)).toEqual(['Live'])
    expect(audioMs(items)).toBeGreaterThanOrEqual(3000)
    expect(audioMs(items)).toBeLessThan(3200)
  })

  it('refuses unknown formats, missing paths and folders without audio, with advice', async () => {
    const wav = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(1000)])
    await expect(openRadioInput('-', { stdin: Readable.from([wav]) })).rejects.toMatchObject({ code: 'RADIO_CODEC_UNKNOWN_FORMAT', message: expect.stringContaining('ffmpeg') })
    await expect(openRadioInput('-', { stdin: Object.assign(Readable.from([]), { isTTY: true }) })).rejects.toMatchObject({ code: 'CLI_USAGE' })
    await expect(openRadioInput('/nonexistent/x.mp3')).rejects.toMatchObject({ code: 'CLI_NO_SUCH_FILE' })
    const empty = tempDataDir()
    await expect(openRadioInput(empty)).rejects.toMatchObject({ code: 'CLI_NO_SUCH_FILE' })
    const file = join(empty, 'x.mp3')
    writeFileSync(file, wav)
    await expect(openRadioInput(file)).rejects.toMatchObject({ code: 'RADIO_CODEC_UNKNOWN_FORMAT' })
  })

  it('file names become titles', () => {
    expect(titleOfFile('/m/03_night_signal.mp3')).toBe('03 night signal')
  })
})
