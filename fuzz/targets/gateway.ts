/** The mixed gateway port: SOCKS4a/5 handshakes, HTTP request heads, multipart uploads. */
import type { IncomingMessage } from 'node:http'
import type { FuzzTarget } from '../harness.js'
import { SocksHandshake, type SocksEvent } from '../../src/gateway/socks/handshake.js'
import { sniffProtocol } from '../../src/gateway/sniff.js'
import { DestinationParser } from '../../src/gateway/http/destination-parser.js'
import { TunnelRegistry } from '../../src/gateway/http/tunnel-context.js'
import { isolationFromProxyAuthorization } from '../../src/gateway/http/isolation.js'
import { normalizeHost, parseAuthority } from '../../src/gateway/hosts.js'
import { parseRange } from '../../src/gateway/range.js'
import { MultipartParser, type MultipartEvent } from '../../src/gateway/apps/dashboard/multipart-parser.js'
import { boundaryOf, formDispositionOf } from '../../src/gateway/apps/dashboard/multipart-headers.js'
import { hex, isTornetError, splitPieces, text } from './helpers.js'

/** A broken invariant: never an expected error, so the harness counts it as a crash. */
class InvariantError extends Error {
  constructor (message: string) { super(message); this.name = 'InvariantError' }
}

function invariant (ok: boolean, what: string): void {
  if (!ok) throw new InvariantError(what)
}

export const socksHandshake: FuzzTarget<SocksEvent[]> = {
  name: 'gateway-socks',
  about: 'SOCKS4a/5 greetings, auth and requests on the mixed port, in odd-sized pieces: SocksHandshake',
  seeds: () => [
    hex('050100' + '050100030b6578616d706c652e636f6d0050'),
    hex('05020002' + '0105616c6963650370777' + '3' + '0501000301' + '61' + '1f90'),
    hex('050100' + '05010001c000020101bb'),
    hex('050100' + '0501000420010db8000000000000000000000001' + '0050'),
    hex('0401005000000001' + '7573657200' + '736974652e746f722d6e657400'),
    hex('04010050c0000201' + '00'),
    Buffer.concat([hex('050100050100030f'), text('abc.tor-net.bit'), hex('0050'), text('GET / HTTP/1.1\r\n')])
  ],
  decode: b => {
    if (b.length > 0) invariant(['socks5', 'socks4', 'http'].includes(sniffProtocol(b[0])), 'sniff')
    const h = new SocksHandshake()
    const events: SocksEvent[] = []
    for (const piece of splitPieces(b)) {
      const before = events.length
      events.push(...h.push(piece))
      if (events.length > before && events[events.length - 1].type !== 'write') invariant(h.finished, 'a request or failure finishes the handshake')
    }
    const last = events.findIndex(e => e.type !== 'write')
    invariant(last < 0 || last === events.length - 1, 'nothing follows a request or failure')
    for (const e of events) {
      if (e.type === 'request') {
        invariant(e.request.port >= 1 && e.request.port <= 65535, `port ${e.request.port}`)
        invariant(e.request.host.length > 0 && e.request.host === e.request.host.toLowerCase(), `host ${e.request.host}`)
      }
      if (e.type === 'fail') invariant(/^SOCKS_[A-Z_]+$/.test(e.code), `code ${e.code}`)
    }
    return events
  },
  expected: () => false
}

export interface ParsedHead { host: string, port: number, pathname: string, search: string, isolation: string, range?: string }

/** Splits a request head the way an HTTP/1.1 parser would: request line, then "name: value" lines. */
function splitHead (raw: string): { method: string, target: string, headers: Record<string, string> } | undefined {
  const lines = raw.split('\r\n')
  const first = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0])
  if (first === null) return undefined
  const headers: Record<string, string> = {}
  for (const line of lines.slice(1)) {
    if (line === '') break
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line)
    if (m === null) return undefined
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(m[2])) return undefined
    headers[m[1].toLowerCase()] = m[2]
  }
  return { method: first[1], target: first[2], headers }
}

export const httpHeads: FuzzTarget<ParsedHead> = {
  name: 'gateway-http-heads',
  about: 'HTTP request heads on the mixed port (origin form, absolute form, CONNECT, Host, Range, Proxy-Authorization)',
  seeds: () => [
    'GET / HTTP/1.1\r\nHost: abc.tor-net\r\n\r\n',
    'GET http://mysite.tor-net/dir/file.html?x=1 HTTP/1.1\r\nHost: mysite.tor-net\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n',
    'GET /video.webm HTTP/1.1\r\nHost: [::1]:9150\r\nRange: bytes=100-\r\n\r\n',
    'CONNECT example.bit:443 HTTP/1.1\r\nHost: example.bit:443\r\n\r\n',
    'GET https://abc.tor-net/ HTTP/1.1\r\nHost: abc.tor-net\r\n\r\n',
    'POST /publish HTTP/1.1\r\nHost: 127.0.0.1:9150\r\nRange: bytes=-500\r\n\r\n'
  ].map(s => Buffer.from(s, 'latin1')),
  decode: b => {
    const head = splitHead(Buffer.from(b).toString('latin1'))
    if (head === undefined) return undefined as unknown as ParsedHead // the HTTP parser refuses it first
    if (head.method === 'CONNECT') {
      const a = parseAuthority(head.target)
      if (a === undefined) return undefined as unknown as ParsedHead
      invariant(normalizeHost(a.host) === a.host, `CONNECT host ${a.host} is normalised`)
      return { host: a.host, port: a.port ?? 0, pathname: '', search: '', isolation: '' }
    }
    const parser = new DestinationParser(new TunnelRegistry())
    const req = { url: head.target, headers: head.headers, socket: {} } as unknown as IncomingMessage
    const d = parser.destinationOf(req)
    invariant(d.pathname.startsWith('/') && !d.pathname.startsWith('//'), `path ${d.pathname} starts with exactly one slash`)
    invariant(d.host === '' || normalizeHost(d.host) === d.host, `host ${d.host} is normalised`)
    invariant(Number.isInteger(d.port) && d.port >= 1 && d.port <= 65535, `port ${d.port}`)
    isolationFromProxyAuthorization(head.headers['proxy-authorization'])
    const range = parseRange(head.headers.range, 1000)
    if (range.kind === 'partial') invariant(range.range.start >= 0 && range.range.start <= range.range.end && range.range.end < 1000, 'range inside the file')
    return { host: d.host, port: d.port, pathname: d.pathname, search: d.search, isolation: d.isolation, range: range.kind }
  },
  expected: isTornetError
}

const BOUNDARY = '----tornetFormBoundary7MA4YWxk'

function form (parts: Array<{ headers: string, body: string }>, end = true): Buffer {
  let s = ''
  for (const p of parts) s += `--${BOUNDARY}\r\n${p.headers}\r\n\r\n${p.body}\r\n`
  if (end) s += `--${BOUNDARY}--\r\n`
  return Buffer.from(s, 'utf8')
}

export interface ParsedForm { parts: number, bytes: number }

export const multipartUploads: FuzzTarget<ParsedForm> = {
  name: 'gateway-multipart',
  about: 'dashboard uploads: multipart/form-data bodies in odd-sized pieces, part headers, Content-Disposition',
  seeds: () => [
    form([{ headers: 'Content-Disposition: form-data; name="csrf"', body: 'token123' }, { headers: 'Content-Disposition: form-data; name="files"; filename="a.txt"\r\nContent-Type: text/plain', body: 'hello\r\n--not-a-boundary' }]),
    form([{ headers: 'Content-Disposition: form-data; name="files"; filename="dir/%22q%22.html"', body: '<p>x</p>' }]),
    form([{ headers: 'Content-Disposition: form-data; name="empty"; filename=""\r\nContent-Type: application/octet-stream', body: '' }]),
    form([{ headers: 'Content-Disposition: form-data; name="x"', body: 'y' }], false)
  ],
  decode: b => {
    invariant(boundaryOf(`multipart/form-data; boundary=${BOUNDARY}`) === BOUNDARY, 'boundary')
    const p = new MultipartParser(BOUNDARY, { maxTotalBytes: 1 << 20, maxParts: 64, maxHeaderBytes: 1024, maxPreambleBytes: 256 })
    const events: MultipartEvent[] = []
    for (const piece of splitPieces(b)) events.push(...p.push(piece))
    p.finish()
    let parts = 0; let bytes = 0; let open = false
    for (const e of events) {
      if (e.type === 'part') { invariant(!open, 'parts do not nest'); open = true; parts++; formDispositionOf(e.headers) }
      if (e.type === 'data') { invariant(open, 'data inside a part'); bytes += e.bytes.length }
      if (e.type === 'part-end') { invariant(open, 'a part ends once'); open = false }
    }
    invariant(bytes <= b.length, 'no more body bytes than input bytes')
    return { parts, bytes }
  },
  expected: isTornetError
}
