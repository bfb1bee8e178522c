import { describe, expect, it } from 'vitest'
import { IcyFramer, icyTitleBlock, icyTitleText } from '../../../../src/gateway/apps/radio/icy-metadata.js'
import { readIcy } from '../../../helpers/icy-reader.js'

describe('ICY metadata blocks', () => {
  it('holds StreamTitle padded to 16-byte units, with the unit count first', () => {
    const block = icyTitleBlock('Tone 440')
    const text = "StreamTitle='Tone 440';"
    expect(block[0]).toBe(Math.ceil(text.length / 16))
    expect(block.length).toBe(1 + block[0]! * 16)
    expect(block.subarray(1, 1 + text.length).toString()).toBe(text)
    expect(block.subarray(1 + text.length).every(b => b === 0)).toBe(true)
  })

  it('turns quotes and control characters into text that cannot end the title early', () => {
    expect(icyTitleText("Don't ';stop\n\0")).toBe('Don’t ’;stop  ')
    const block = icyTitleBlock("a';b")
    expect(block.toString('utf8')).not.toContain("';b")
  })

  it('cuts a title too long for one block at a character boundary', () => {
    const block = icyTitleBlock('é'.repeat(5000))
    expect(block[0]).toBe(255)
    const text = block.subarray(1).toString('utf8').replace(/\0+$/, '')
    expect(text).toMatch(/^StreamTitle='é+';$/)
  })
})

describe('IcyFramer', () => {
  it('puts a block after every metaint bytes, across writes of any size, and the audio survives intact', () => {
    const framer = new IcyFramer(100)
    framer.setTitle('first')
    const audio = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251))
    const out: Buffer[] = []
    let at = 0
    for (const size of [7, 93, 1, 250, 99, 350, 200]) {
      if (at === 450) framer.setTitle('second')
      out.push(...framer.frame(audio.subarray(at, at + size)))
      at += size
    }
    const parts = readIcy(Buffer.concat(out), 100)
    expect(parts.audio.equals(audio)).toBe(true)
    expect(parts.blocks).toBe(10)
    expect(parts.titles).toEqual(['first', 'second']) // unchanged titles go as empty blocks
  })

  it('sends empty blocks while there is no title', () => {
    const framer = new IcyFramer(10)
    const out = Buffer.concat(framer.frame(Buffer.alloc(30, 1)))
    expect(out.length).toBe(33)
    expect([out[10], out[21], out[32]]).toEqual([0, 0, 0])
  })

  it('refuses a metaint that is not a positive integer', () => {
    expect(() => new IcyFramer(0)).toThrow(RangeError)
    expect(() => new IcyFramer(1.5)).toThrow(RangeError)
  })
})
