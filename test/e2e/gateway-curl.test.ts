/**
 * The gateway against real curl: SOCKS5 with remote DNS, SOCKS4a, the HTTP
 * proxy (absolute form and CONNECT), Range, error pages, and bad clients.
 * Skipped, with the reason in the suite name, when curl is not installed (in CI: fails).
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { CURL_ENV, curl as runCurl, type CurlResult } from '../helpers/curl.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { BIG_FILE_SIZE, FAKE_REFERENCE_HOST, createFakeNetwork, type FakeSiteContent } from '../helpers/fake-site-content.js'

let gateway: Gateway
let content: FakeSiteContent
let files: Map<string, Buffer>
let proxy: string
let dir: string

const curl = async (args: string[]): Promise<CurlResult> => await runCurl(dir, args)

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const header = (r: CurlResult, name: string): string | undefined =>
  new RegExp(`^${name}: *(.*?)\\r?$`, 'im').exec(r.headers.split(/\r?\n\r?\n/).filter(Boolean).pop() ?? '')?.[1]

describeWithClients('gateway with real curl', ['curl'], () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tornet-gw-e2e-'))
    const net = createFakeNetwork()
    content = net.content
    files = net.files
    gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
    proxy = `127.0.0.1:${gateway.address.port}`
  })

  afterAll(async () => {
    await gateway?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('fetches a published site byte-exact through SOCKS5 with remote DNS', async () => {
    const transientBefore = content.transientReads
    const big = await curl(['--socks5-hostname', proxy, 'http://site.tor-net/media/big.bin'])
    // Too big for the gateway's file cache: read with reused buffers, each written out first.
    expect(content.transientReads).toBe(transientBefore + 1)
    expect(big.code).toBe(0)
    expect(big.status).toBe(200)
    expect(big.body.length).toBe(BIG_FILE_SIZE)
    expect(sha(big.body)).toBe(sha(files.get('media/big.bin')!))
    const index = await curl(['--socks5-hostname', proxy, `http://${FAKE_REFERENCE_HOST}/`])
    expect(index.body.equals(files.get('index.html')!)).toBe(true)
    expect(header(index, 'cache-control')).toBe('public, max-age=31536000, immutable')
  })

  it('fetches byte-exact through the HTTP proxy, absolute form and CONNECT (-p)', async () => {
    for (const args of [['-x', `http://${proxy}`], ['-p', '-x', `http://${proxy}`]]) {
      const r = await curl([...args, 'http://site.bit/media/big.bin'])
      expect(r.status, args.join(' ')).toBe(200)
      expect(sha(r.body)).toBe(sha(files.get('media/big.bin')!))
    }
  })

  it('answers Range requests (-r 100-199) through SOCKS5, the proxy and CONNECT', async () => {
    const expected = files.get('media/big.bin')!.subarray(100, 200)
    for (const args of [['--socks5-hostname', proxy], ['-x', `http://${proxy}`], ['-p', '-x', `http://${proxy}`]]) {
      const r = await curl([...args, '-r', '100-199', 'http://site.tor-net/media/big.bin'])
      expect(r.status, args.join(' ')).toBe(206)
      expect(header(r, 'content-range')).toBe(`bytes 100-199/${BIG_FILE_SIZE}`)
      expect(r.body.equals(expected)).toBe(true)
    }
  })

  it('works for SOCKS4a clients', async () => {
    const r = await curl(['--socks4a', proxy, 'http://site.tor-net/style.css'])
    expect(r.status).toBe(200)
    expect(r.body.equals(files.get('style.css')!)).toBe(true)
  })

  it('follows the directory redirect and lists a directory; HEAD has no body', async () => {
    const listing = await curl(['-L', '-x', `http://${proxy}`, 'http://site.tor-net/docs'])
    expect(listing.status).toBe(200)
    expect(listing.body.toString()).toContain('readme.txt')
    const head = await curl(['-I', '-x', `http://${proxy}`, 'http://site.tor-net/media/big.bin'])
    expect(head.status).toBe(200)
    expect(header(head, 'content-length')).toBe(String(BIG_FILE_SIZE))
    // with -I curl writes the head itself to the output file: nothing may follow it
    expect(head.body.toString('latin1').split('\r\n\r\n')[1]).toBe('')
  })

  it('serves the PAC file and the gateway page on plain HTTP', async () => {
    const pac = await curl([`http://${proxy}/proxy.pac`])
    expect(header(pac, 'content-type')).toBe('application/x-ns-proxy-autoconfig')
    expect(pac.body.toString()).toContain(`PROXY ${proxy}`)
    const home = await curl([`http://${proxy}/`])
    expect(home.body.toString()).toContain('Tornet gateway')
  })

  it('answers an unknown name with a 404 page and a non-Tornet host with a 403 page', async () => {
    const unknown = await curl(['-x', `http://${proxy}`, 'http://nope.tor-net/'])
    expect(unknown.status).toBe(404)
    expect(unknown.body.toString()).toContain('Name not found')
    const socks = await curl(['--socks5-hostname', proxy, 'http://nope.bit/'])
    expect(socks.status).toBe(404)
    const foreign = await curl(['-x', `http://${proxy}`, 'http://example.com/'])
    expect(foreign.status).toBe(403)
    expect(foreign.body.toString()).toContain('Not a Tornet site')
    const connectForeign = await curl(['-p', '-x', `http://${proxy}`, 'http://example.com/'])
    expect(connectForeign.code).not.toBe(0) // CONNECT refused with 403
    expect(connectForeign.stderr).toMatch(/403/)
  })

  it('refuses a SOCKS request for an IP literal with reply 0x02 while pass-through is off', async () => {
    const r = await curl(['--socks5', proxy, 'http://192.0.2.1/'])
    expect(r.code).toBe(97) // CURLE_PROXY
    expect(r.stderr).toMatch(/\(2\)/) // "connection not allowed by ruleset"
  })

  it('answers a 100 KiB header with 431', async () => {
    const r = await curl(['-x', `http://${proxy}`, '-H', `X-Big: ${'a'.repeat(100 * 1024)}`, 'http://site.tor-net/'])
    expect(r.status).toBe(431)
  })

  it('answers garbage bytes with 400 and keeps serving', async () => {
    const socket = connect(gateway.address.port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', c => chunks.push(c))
    socket.on('error', () => {})
    socket.write(Buffer.from('\x00\x01\x02garbage\xff\xfe\r\n\r\n', 'latin1'))
    await new Promise(resolve => socket.once('close', resolve))
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^HTTP\/1\.1 400 /)
    expect((await curl(['--socks5-hostname', proxy, 'http://site.tor-net/style.css'])).status).toBe(200)
  })

  it('aborts the read when curl disconnects mid-download, and keeps serving', async () => {
    const abortedBefore = content.readsAborted
    const child = spawn('curl', ['-sS', '--socks5-hostname', proxy, '--limit-rate', '512K', 'http://site.tor-net/media/big.bin'],
      { env: CURL_ENV, stdio: ['ignore', 'pipe', 'ignore'] })
    let received = 0
    await new Promise<void>(resolve => {
      child.stdout.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > 200 * 1024 && child.exitCode === null) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.once('exit', () => resolve())
    })
    expect(received).toBeLessThan(BIG_FILE_SIZE)
    await expect.poll(() => content.activeReads, { timeout: 10_000 }).toBe(0)
    expect(content.readsAborted).toBe(abortedBefore + 1)
    const next = await curl(['--socks5-hostname', proxy, 'http://site.tor-net/media/big.bin'])
    expect(sha(next.body)).toBe(sha(files.get('media/big.bin')!))
  })
})
