import { describe, expect, it } from 'vitest'
import { circuitsReport, circuitsSection, hopsText, renderCircuits } from '../../../../src/gateway/apps/tunnels/index.js'
import { keyHost } from '../../../../src/node/services/tunnels/hidden-address.js'
import { T0, fakeCircuit, fakeHidden, fakeTunnelsPort } from '../../../helpers/fake-tunnels-port.js'

const STATS = { circuitsOrigin: 2, circuitsRelayed: 5, cellsForwarded: 1234, cellsDropped: 3, droppedByReason: { malformed: 3 } }

describe('circuits report and panel', () => {
  it('lists circuits newest first with hops by rank, age, bytes and state, and hidden services with their key host', () => {
    const port = fakeTunnelsPort([fakeCircuit({ id: 'old', createdAt: T0 - 600_000 }), fakeCircuit({ id: 'new', purpose: 'hs-client', endToEnd: true, isolation: 'tab-<1>' })],
      [fakeHidden()], STATS)
    const report = circuitsReport(port, T0)
    expect(report.circuits.map(c => c.id)).toEqual(['new', 'old'])
    expect(report.hidden[0]!.host).toBe(keyHost(Buffer.alloc(32, 0x11)))
    const html = renderCircuits(report)
    expect(html).toContain('rank 12 → rank 9 → rank 14 → service')
    expect(html).toContain('hs-client')
    expect(html).toContain('isolation tab-&lt;1&gt;') // escaped
    expect(html).toContain('10 min')
    expect(html).toContain('3.0 MiB')
    expect(html).toContain('1,234 cells forwarded')
    expect(html).toContain('guestbook</strong>.tor-net')
    expect(html).toContain('rank 10, rank 11, rank 8')
    expect(html).toContain('127.0.0.1:41234')
  })

  it('says what to do when there is nothing to show', async () => {
    const html = await circuitsSection(fakeTunnelsPort([]), () => T0).render({ signal: new AbortController().signal })
    expect(html).toContain('No circuits right now')
    expect(html).toContain('tornet hidden add NAME --to 127.0.0.1:PORT')
    expect(hopsText({ hops: [], endToEnd: false })).toBe('–')
  })
})
