/**
 * A 10 GiB upload to the dashboard (issue 21): refused with 413 at the upload
 * limit, without filling the disk. The dashboard is wired as `tornet start`
 * wires it (node-dashboard-port.ts): each file is put aside in a spool
 * directory before the node publishes it; here the spool is a directory of
 * this test, sampled while the body streams, and the "node" only counts what
 * reaches it. One upload declares its 10 GiB in Content-Length (refused
 * before a byte is read, at the default limit); one streams chunked with no
 * length (refused once the configured limit is crossed). The client keeps
 * sending until the gateway stops reading, so it also measures how much of
 * the 10 GiB the gateway swallowed before closing, and it must read the 413
 * page: the gateway lingers after answering instead of resetting the
 * connection under the client's feet (which lost the page before).
 */
import { once } from 'node:events'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_DRAIN_BUDGET, DEFAULT_LINGER_BUDGET } from '../../src/gateway/apps/dashboard/drain.js'
import { DASHBOARD_ERRORS } from '../../src/gateway/apps/dashboard/errors.js'
import { installDashboard, spoolUploads, type Dashboard } from '../../src/gateway/apps/dashboard/index.js'
import { DEFAULT_MULTIPART_LIMITS } from '../../src/gateway/apps/dashboard/multipart-parser.js'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { createFakeNetwork } from '../helpers/fake-site-content.js'
import { fakePort } from '../unit/gateway/dashboard/fake-port.js'

const GiB = 1024 * 1024 * 1024
const MiB = 1024 * 1024
const TEN_GIB = 10 * GiB

let gateway: Gateway
let dashboard: Dashboard
let spoolDir: string
let published: number // bytes that reached the "node"

async function start (maxUploadBytes?: number): Promise<void> {
  spoolDir = await mkdtemp(join(tmpdir(), 'tornet-huge-upload-'))
  published = 0
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content, limits: { requestTimeoutMs: 0 } })
  const port = fakePort()
  port.publish = async (files, opts) => {
    const spool = spoolUploads(files, { tmpDir: spoolDir, signal: opts.signal })
    try {
      for await (const f of spool.files) for await (const chunk of f.open()) published += chunk.byteLength
      return { reference: 'never.x', url: 'http://never.x.tor-net/' }
    } finally {
      await spool.close()
    }
  }
  dashboard = installDashboard(gateway.local, port, { maxUploadBytes })
}

beforeEach(() => { published = 0 })
afterEach(async () => {
  await gateway?.close()
  await rm(spoolDir, { recursive: true, force: true })
})

/** Bytes in every file under `dir` now. */
async function bytesUnder (dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

interface Sent { response: string, bodyBytesSent: number, spoolPeak: number }

/**
 * POSTs a multipart upload of one file of `fileBytes` (zeros, produced as sent: nothing is held)
 * to /publish, chunked or with its length declared, writing as fast as the gateway reads, until
 * the whole body is out or the gateway closes. Samples the spool directory meanwhile.
 */
async function upload (fileBytes: number, declared: boolean): Promise<Sent> {
  const socket = connect(gateway.address.port, '127.0.0.1')
  socket.on('error', () => {})
  const response: Buffer[] = []
  socket.on('data', c => response.push(c))
  let closed = false
  const gone = new Promise<void>(resolve => socket.once('close', () => { closed = true; resolve() }))
  await once(socket, 'connect')
  let spoolPeak = 0
  const sampler = setInterval(() => { void bytesUnder(spoolDir).then(n => { spoolPeak = Math.max(spoolPeak, n) }) }, 20)

  const boundary = 'hugeuploadboundary'
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${dashboard.token}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const base = `http://127.0.0.1:${gateway.address.port}`
  const length = head.length + fileBytes + tail.length
  socket.write(`POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${gateway.address.port}\r\nOrigin: ${base}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    (declared ? `Content-Length: ${length}\r\n` : 'Transfer-Encoding: chunked\r\n') + '\r\n')
  const frame = (b: Buffer): Buffer => declared ? b : Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')])
  const zeros = Buffer.alloc(MiB)
  let bodyBytesSent = 0
  const send = async (b: Buffer): Promise<void> => {
    if (closed) return
    bodyBytesSent += b.length
    if (!socket.write(frame(b))) await Promise.race([once(socket, 'drain').catch(() => {}), gone]) // an error means closed
  }
  await send(head)
  for (let left = fileBytes; left > 0 && !closed; left -= zeros.length) await send(left >= zeros.length ? zeros : zeros.subarray(0, left))
  await send(tail)
  if (!declared && !closed) socket.write('0\r\n\r\n')
  await gone
  clearInterval(sampler)
  spoolPeak = Math.max(spoolPeak, await bytesUnder(spoolDir))
  return { response: Buffer.concat(response).toString('latin1'), bodyBytesSent, spoolPeak }
}

describe('a 10 GiB upload to the dashboard', () => {
  it('declared in Content-Length: 413 at the default limit before a byte is read, nothing written', async () => {
    await start()
    const sent = await upload(TEN_GIB, true)
    expect(sent.response).toMatch(/^HTTP\/1\.1 413 /)
    expect(sent.response).toContain(`x-tornet-error: ${DASHBOARD_ERRORS.tooLarge}`)
    expect(sent.spoolPeak).toBe(0)
    expect(published).toBe(0)
    expect(sent.bodyBytesSent).toBeLessThan(DEFAULT_MULTIPART_LIMITS.maxTotalBytes) // closed long before the limit, let alone 10 GiB
  })

  it('streamed without a length: 413 once the limit is crossed; the spool never holds more than the limit and is removed', async () => {
    const limit = 32 * MiB
    await start(limit)
    const sent = await upload(TEN_GIB, false)
    expect(sent.response).toMatch(/^HTTP\/1\.1 413 /)
    expect(sent.response).toContain(`x-tornet-error: ${DASHBOARD_ERRORS.tooLarge}`)
    expect(sent.spoolPeak).toBeLessThanOrEqual(limit)
    expect(await bytesUnder(spoolDir)).toBe(0)
    expect(await readdir(spoolDir)).toEqual([]) // the spool's own directory is gone too
    expect(published).toBe(0)
    // The gateway read the limit, then at most its drain budget to answer cleanly and a little more
    // while lingering so the client reads the 413, then closed (plus what socket buffers held).
    expect(sent.bodyBytesSent).toBeLessThan(limit + DEFAULT_DRAIN_BUDGET.maxBytes + DEFAULT_LINGER_BUDGET.maxBytes + 16 * MiB)
  })
})
