import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import 'undici' // installs undici 7's Agent as the global dispatcher, as the Namecoin RPC source does
import { dropExplicitContentLength } from '../../../../src/node/services/reach/fetch-shim.js'

describe('dropExplicitContentLength', () => {
  it('lets a SOAP-style POST with an explicit Content-Length through fetch once undici is loaded, body and length intact', async () => {
    let seen: { headers: IncomingHttpHeaders, body: string } | undefined
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => { body += d.toString() })
      req.on('end', () => { seen = { headers: req.headers, body }; res.setHeader('content-type', 'text/xml'); res.end('<ok/>') })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ctl/IPConn`
    const body = '<?xml version="1.0"?><s:Envelope>é</s:Envelope>'
    const init = { method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': String(body.length), SOAPAction: '"x#y"' }, body }
    try {
      dropExplicitContentLength()
      dropExplicitContentLength() // idempotent
      const res = await fetch(url, init)
      expect(await res.text()).toBe('<ok/>')
      expect(seen?.body).toBe(body)
      expect(seen?.headers['content-length']).toBe(String(Buffer.byteLength(body))) // the right one, in bytes
      expect(seen?.headers.soapaction).toBe('"x#y"')
    } finally {
      server.close()
    }
  })
})
