import { describe, expect, it } from 'vitest'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { ProviderHints } from '../../../../src/node/services/chunks/provider-hints.js'

const peer = (n: number): ReturnType<typeof makeContact> => makeContact(Buffer.alloc(32, n), { address: `10.0.0.${n}`, port: 4000 + n })

describe('provider hints', () => {
  it('offers the providers found for a group until a refresh is due, then asks for one lookup', () => {
    const h = new ProviderHints({ refreshEvery: 3 })
    expect(h.take('file')).toBeUndefined()
    h.found('file', [peer(1), peer(2), peer(1), peer(3)])
    const ids = (): string[] | undefined => h.take('file')?.map(c => c.id[0].toString())
    expect(ids()).toEqual(['1', '2', '3']) // duplicates dropped, order kept
    expect(ids()).toEqual(['1', '2', '3'])
    expect(ids()).toEqual(['1', '2', '3'])
    expect(ids()).toBeUndefined() // this caller looks up
    expect(ids()).toEqual(['1', '2', '3']) // parts fetched meanwhile keep the hint
    h.found('file', [peer(4)])
    expect(ids()).toEqual(['4'])
    expect(h.take('other')).toBeUndefined()
  })

  it('forgets a group whose providers could not deliver, and stops offering one whose lookup never reported', () => {
    const h = new ProviderHints({ refreshEvery: 2 })
    h.found('g', [peer(1)])
    h.miss('g')
    expect(h.take('g')).toBeUndefined()
    h.found('g', [peer(1)])
    const answers = Array.from({ length: 6 }, () => h.take('g') !== undefined)
    expect(answers).toEqual([true, true, false, true, false, false])
  })

  it('is bounded in groups and providers per group', () => {
    const h = new ProviderHints({ maxGroups: 2, maxProviders: 2 })
    h.found('a', [peer(1), peer(2), peer(3)])
    h.found('b', [peer(1)])
    h.found('c', [peer(1)])
    expect(h.take('a')).toBeUndefined() // least recently used, dropped
    expect(h.take('c')?.length).toBe(1)
    h.found('d', [peer(1), peer(2), peer(3)])
    expect(h.take('d')?.length).toBe(2)
  })
})
