import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { SPAM_TARGETS, taggerFactor, weighTags } from '../../../../src/node/services/search/reputation.js'
import { signTagRecord } from '../../../../src/node/services/search/tag-record.js'

const t = (n: number): { id: Buffer, key: Buffer } => ({ id: Buffer.alloc(32, n), key: Buffer.alloc(32, n + 100) })

describe('tag reputation', () => {
  it('grows with rank and shrinks for keys tagging many targets', () => {
    expect(taggerFactor(16, 1)).toBeGreaterThan(taggerFactor(0, 1))
    expect(taggerFactor(8, SPAM_TARGETS * 10)).toBeCloseTo(taggerFactor(8, 1) / 10)
  })

  it('agreement of taggers outweighs one spammer', () => {
    const spammer = generateIdentity()
    const honest = [generateIdentity(), generateIdentity(), generateIdentity()]
    const tags = honest.map(id => signTagRecord(id, t(1), ['jazz'], 1000))
    for (let i = 2; i < 2 + SPAM_TARGETS * 5; i++) tags.push(signTagRecord(spammer, t(i), ['jazz'], 1000))
    const w = weighTags(tags)
    const good = w.byTarget.get(t(1).id.toString('hex'))![0].weight
    const spam = w.byTarget.get(t(2).id.toString('hex'))![0].weight
    expect(good).toBeGreaterThan(spam * 10)
  })

  it('counts only the newest tag of a tagger on a target', () => {
    const id = generateIdentity()
    const w = weighTags([signTagRecord(id, t(1), ['old'], 1), signTagRecord(id, t(1), ['new'], 2)])
    expect(w.byTarget.get(t(1).id.toString('hex'))!.map(x => x.word)).toEqual(['new'])
  })
})
