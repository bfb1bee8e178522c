import { describe, expect, it } from 'vitest'
import { NameJobs } from '../../../../src/gateway/apps/dashboard/name-jobs.js'
import { peerCount } from '../../../../src/gateway/apps/dashboard/panels.js'
import { dashboardCsp, renderDashboardPage } from '../../../../src/gateway/apps/dashboard/page.js'
import { MAX_PEER_ROWS, type DashboardView } from '../../../../src/gateway/apps/dashboard/view.js'
import { NOW, fakePort } from './fake-port.js'

const EVIL = '<script>alert(1)</script>"\'&'

function view (overrides: Partial<DashboardView> = {}): DashboardView {
  const port = fakePort()
  return {
    now: NOW,
    status: { ok: true, value: port.statusValue },
    peers: { ok: true, value: port.peersValue },
    storage: { ok: true, value: port.storageValue },
    traffic: { ok: true, value: port.trafficValue },
    published: { ok: true, value: port.publishedValue },
    sections: [],
    names: [],
    gatewayAuthority: '127.0.0.1:9150',
    passThrough: false,
    csrfToken: 'TOKEN123',
    canRegisterNames: true,
    maxUploadBytes: 1024 ** 3,
    scriptNonce: 'NONCE',
    ...overrides
  }
}

describe('renderDashboardPage', () => {
  it('renders every section', () => {
    const html = renderDashboardPage(view({ sections: [{ id: 'mail', title: 'Mail', html: '<p>3 new messages</p>' }] }))
    for (const id of ['node', 'peers', 'storage', 'traffic', 'published', 'publish', 'setup', 'mail']) {
      expect(html, id).toContain(`id="${id}"`)
    }
    expect(html).toContain('a1b2c3d4…') // shortened id
    expect(html).toContain(`title="${'a1b2c3d4'.repeat(8)}"`) // full on hover
    expect(html).toContain(`data-copy="${'a1b2c3d4'.repeat(8)}"`)
    expect(html).toContain('>21<') // rank
    expect(html).toContain('198.51.100.7:9151')
    expect(html).toContain('42 ms')
    expect(html).toContain('300 MiB of 1.0 GiB (29%)')
    expect(html).toContain('width:29.3%')
    expect(html).toContain('>chunks<')
    expect(html).toContain('<a href="http://aaaa.bbbb.tor-net/">http://aaaa.bbbb.tor-net/</a>')
    expect(html).toContain('<a href="http://blog.tor-net/">http://blog.tor-net/</a>')
    expect(html).toContain('<p>3 new messages</p>')
    expect(html).toContain('name="csrf" value="TOKEN123"')
    expect(html).toMatch(/<input type="file" name="folder" multiple webkitdirectory>/)
    expect(html).toMatch(/<input type="file" name="files" multiple>/)
    expect(html).toContain('enctype="multipart/form-data"')
    expect(html).toContain('http://127.0.0.1:9150/proxy.pac')
    expect(html).toContain('HTTP proxy <code>127.0.0.1</code>, port <code>9150</code>')
    expect(html).toContain('<script nonce="NONCE">')
    expect(html).not.toMatch(/<(link|img)[^>]+(src|href)="https?:/) // no external assets
  })

  it('says how the cache really evicts: by expected revenue (heat × price), not oldest first', () => {
    const html = renderDashboardPage(view())
    expect(html).not.toMatch(/oldest/i)
    expect(html).toContain('times the price this node charges')
    expect(html).toContain('256 − log2')
    expect(html).toContain('would earn less than what it would push out is not cached')
  })

  it('escapes hostile names, titles and values from the node', () => {
    const port = fakePort()
    const html = renderDashboardPage(view({
      status: { ok: true, value: { ...port.statusValue, id: EVIL, version: EVIL, listen: EVIL, reachability: EVIL } },
      peers: { ok: true, value: [{ ...port.peersValue[0]!, id: EVIL, endpoint: EVIL }] },
      traffic: { ok: true, value: { bytesIn: 1, bytesOut: 2, byKind: { [EVIL]: { in: 1, out: 1 } } } },
      published: {
        ok: true,
        value: [{ reference: 'r.x', url: 'javascript:alert(1)', name: EVIL, nameUrl: `http://x.tor-net/"><script>`, title: EVIL, files: 1, bytes: 1, publishedAt: NOW }]
      },
      sections: [{ id: 'radio', title: EVIL, html: '<p>ok</p>' }],
      gatewayAuthority: '127.0.0.1:9150"><script>'
    }))
    const scripts = html.match(/<script/g) ?? []
    expect(scripts).toHaveLength(1) // only our own, nonce'd
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;')
    expect(html).not.toContain('href="javascript:')
    expect(html).not.toContain('"><script>')
  })

  it('shows the new URL after a publish, and a name being registered', () => {
    const jobs = new NameJobs()
    jobs.start('blog', 'aaaa.bbbb', () => new Promise(() => {}))
    const html = renderDashboardPage(view({ justPublished: 'aaaa.bbbb', names: jobs.list() }))
    expect(html).toContain('class="card flash"')
    expect(html).toMatch(/<p class="url"><a href="http:\/\/aaaa\.bbbb\.tor-net\/">http:\/\/aaaa\.bbbb\.tor-net\/<\/a>/)
    expect(html).toContain('Registering <strong>blog.tor-net</strong>')
    // an unknown reference still gets its URL
    expect(renderDashboardPage(view({ justPublished: 'zzz.yyy' }))).toContain('http://zzz.yyy.tor-net/')
  })

  it('shows whether peers can reach the node, or that it is not known yet', () => {
    const port = fakePort()
    expect(renderDashboardPage(view({ status: { ok: true, value: port.statusValue } }))).toMatch(/<dt>Reachable<\/dt><dd>not known yet/)
    const line = 'behind a NAT that keeps one mapping at 198.18.0.4:9151 (2 peers see it; none reached it unasked)'
    expect(renderDashboardPage(view({ status: { ok: true, value: { ...port.statusValue, reachability: line } } }))).toContain(`<dt>Reachable</dt><dd>${line}</dd>`)
  })

  it('shows a failed reading as unavailable instead of failing the page', () => {
    const html = renderDashboardPage(view({ peers: { ok: false, code: 'NODE_STOPPED' }, storage: { ok: false, code: 'STORE_CLOSED' } }))
    expect(html).toContain('id="peers"')
    expect(html).toContain('<code>NODE_STOPPED</code>')
    expect(html).toContain('<code>STORE_CLOSED</code>')
    expect(html).toContain('id="traffic"')
  })

  it('counts open sessions and routing-table contacts apart (an idle session closes, the contact stays)', () => {
    const peer = fakePort().peersValue[0]!
    const peers = [
      { ...peer, id: 'a'.repeat(64), session: true, inTable: true },
      { ...peer, id: 'b'.repeat(64), session: false, inTable: true },
      { ...peer, id: 'c'.repeat(64), session: false, inTable: true }
    ]
    expect(peerCount(peers)).toBe('1 open session, 3 routing-table contacts')
    const html = renderDashboardPage(view({ peers: { ok: true, value: peers } }))
    expect(html).toContain('1 open session, 3 routing-table contacts')
    expect(html).not.toContain('0 connected')
    expect(html.match(/<td>idle<\/td>/g)).toHaveLength(2)
  })

  it('bounds the peer table', () => {
    const peer = fakePort().peersValue[0]!
    const peers = Array.from({ length: MAX_PEER_ROWS + 50 }, (_, i) => ({ ...peer, id: i.toString(16).padStart(64, '0'), lastSeen: NOW - i }))
    const html = renderDashboardPage(view({ peers: { ok: true, value: peers } }))
    const peersHtml = html.slice(html.indexOf('id="peers"'), html.indexOf('id="published"'))
    expect(peersHtml.match(/<tr>/g)).toHaveLength(MAX_PEER_ROWS + 1) // + header row
    expect(peersHtml).toContain('and 50 more')
  })

  it('leaves out the name field when the node cannot register names', () => {
    expect(renderDashboardPage(view({ canRegisterNames: false }))).not.toContain('name="name"')
    expect(renderDashboardPage(view())).toContain('name="name"')
  })

  it('has a CSP that allows only the nonce’d script', () => {
    const csp = dashboardCsp('abc')
    expect(csp).toContain("script-src 'nonce-abc'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
  })
})
