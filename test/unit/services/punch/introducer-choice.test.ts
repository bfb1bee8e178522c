import { describe, expect, it } from 'vitest'
import type { PeerAddress, PeerInfo } from '../../../../src/node/link/types.js'
import { INTRODUCERS_KEPT, pickIntroducers, withIntroducers } from '../../../../src/node/services/punch/index.js'
import type { PunchService } from '../../../../src/node/services/punch/index.js'
import type { Reachability, ReachService } from '../../../../src/node/services/reach/index.js'

const contact = (n: number): PeerAddress => ({ endpoint: { address: `198.18.0.${n}`, port: 7000 }, id: Buffer.alloc(32, n) })
const open = (n: number): PeerInfo => ({ id: Buffer.alloc(32, n), idHex: Buffer.alloc(32, n).toString('hex'), publicKey: Buffer.alloc(32), nonce: Buffer.alloc(8), rank: 0, endpoint: contact(n).endpoint, rttMs: undefined })

describe('choosing introducers', () => {
  it('only contacts with an open session, at most INTRODUCERS_KEPT, in the contacts\' order', () => {
    const contacts = [1, 2, 3, 4, 5, 6].map(contact)
    expect(pickIntroducers(contacts, [open(2), open(9)])).toEqual([contact(2)])
    expect(pickIntroducers(contacts, [6, 5, 4, 3, 2, 1].map(open))).toEqual(contacts.slice(0, INTRODUCERS_KEPT))
    expect(pickIntroducers([{ endpoint: contact(1).endpoint }], [open(1)])).toEqual([])
  })

  it('a NATted answer sets introducers, a public one clears them, unknown leaves them', async () => {
    const set: PeerAddress[][] = []
    const punch = { setIntroducers: (p: readonly PeerAddress[]) => { set.push([...p]) } } as unknown as PunchService
    let status: Reachability['status'] = 'nat-keeps-mapping'
    const reach: ReachService = { check: async () => ({ status, dialedBack: 0, asked: 2, reportingHosts: 2 }), last: undefined }
    const relays: PeerAddress[][] = []
    const wrapped = withIntroducers(reach, punch, () => [contact(1), contact(2)], () => [open(1)], (p) => { relays.push(p) })
    expect((await wrapped.check()).status).toBe('nat-keeps-mapping')
    status = 'unknown'
    await wrapped.check()
    status = 'unreachable'
    await wrapped.check()
    status = 'public'
    await wrapped.check()
    expect(set).toEqual([[contact(1)], [contact(1)], []])
    // The relay client hears the same choices (it keeps a relay stream to each introducer).
    expect(relays).toEqual(set)
  })
})
