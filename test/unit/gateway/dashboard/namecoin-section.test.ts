import { describe, expect, it } from 'vitest'
import { namecoinSection, renderNamecoinPanel, type NamecoinPanelData } from '../../../../src/gateway/apps/dashboard/namecoin-section.js'

const base: NamecoinPanelData = {
  backend: 'ElectrumX, 2 servers',
  proof: 'unverified',
  servers: [
    { label: 'a.example:50002:s', operator: 'a.example', state: 'warm', tip: 750_000 },
    {
      label: 'b.example:50002:s',
      operator: 'b.example',
      state: 'failed',
      lastError: { code: 'RESOLVE_CERT_CHANGED', message: 'shows another certificate <script>', at: Date.UTC(2026, 0, 1) },
      lie: { name: 'd/site', detail: 'answered block 1 <b>', at: Date.UTC(2026, 0, 1) }
    }
  ],
  reportedTip: { height: 750_000, time: 1_700_000_000 },
  lastFailure: { server: 'b.example:50002:s', code: 'RESOLVE_CERT_CHANGED', message: 'changed', at: Date.UTC(2026, 0, 1) },
  pinsFile: '/home/u/.tornet/namecoin-electrumx-pins.json'
}

describe('the dashboard\'s Namecoin panel', () => {
  it('shows servers with state, the tip (marked unverified), the last failure, liars, and how to reset a pin; escapes server text', async () => {
    const html = await namecoinSection(() => base).render({ signal: new AbortController().signal })
    expect(html).toContain('a.example:50002:s')
    expect(html).toMatch(/750,000 \(reported by a server, not verified\)/)
    expect(html).toContain('not proven')
    expect(html).toMatch(/Last failure: 2026-01-01 00:00:00 UTC · <code>b\.example:50002:s<\/code> · <code>RESOLVE_CERT_CHANGED<\/code>/)
    expect(html).toContain('gave a stale or false answer</strong> for d/site')
    expect(html).toContain('namecoin-electrumx-pins.json')
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<b>')
  })

  it('a verified tip is shown as verified, with its block time', () => {
    const html = renderNamecoinPanel({ ...base, proof: 'verified', verifiedTip: { height: 760_001, time: 1_700_000_000 } })
    expect(html).toMatch(/760,001 \(verified\), block time 2023-11-14 22:13:20 UTC/)
    expect(html).toContain('answers are proven')
  })

  it('shows the header sync while it runs (height / target, speed, server), then where it ended', () => {
    const running = renderNamecoinPanel({ ...base, proof: 'verified', headerSync: { height: 412_300, target: 812_345, headersPerSecond: 5210, server: 'a.example:50002:s', done: false } })
    expect(running).toMatch(/412,300 \/ 812,345<\/strong> verified, 5,210 headers\/s, from <code>a\.example:50002:s<\/code>/)
    const done = renderNamecoinPanel({ ...base, proof: 'verified', headerSync: { height: 812_345, target: 812_345, headersPerSecond: 5210, server: 'a.example:50002:s', done: true } })
    expect(done).toContain('verified up to block 812,345')
    expect(renderNamecoinPanel(base)).not.toContain('Header sync')
  })
})
