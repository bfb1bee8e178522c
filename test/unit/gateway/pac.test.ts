import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { loadPacTemplate, renderPac } from '../../../src/gateway/pac.js'

// The two PAC helpers the template uses, as browsers define them.
const pacGlobals = {
  dnsDomainIs: (host: string, domain: string) => host.length >= domain.length && host.endsWith(domain)
}

function findProxy (pac: string, host: string): string {
  return runInNewContext(`${pac}\nFindProxyForURL('http://' + h + '/', h)`, { ...pacGlobals, h: host }) as string
}

describe('PAC file', () => {
  it('sends only .tor-net and .bit hosts to the gateway', async () => {
    const pac = renderPac(await loadPacTemplate(), '127.0.0.1:4321')
    expect(pac).not.toContain('{{PROXY}}')
    for (const host of ['site.tor-net', 'A.B.TOR-NET', 'example.bit', 'example.bit.']) {
      expect(findProxy(pac, host), host).toBe('PROXY 127.0.0.1:4321')
    }
    for (const host of ['example.com', 'bit', 'tor-net', 'notbit', 'bitcoin.org', 'tor-net.example.com', '127.0.0.1']) {
      expect(findProxy(pac, host), host).toBe('DIRECT')
    }
  })
})
