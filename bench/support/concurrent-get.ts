import { connect, type Socket } from 'node:net'

/**
 * Many GETs through the gateway at once, each on its own fresh connection,
 * as a crowd of browsers and programs would open them: half through the
 * HTTP proxy (absolute-form request), half through SOCKS5 (greeting, CONNECT
 * by name with remote DNS, then the request inside the tunnel). Raw sockets,
 * so that no client-side pool queues a request: every connection is open at
 * the gateway at the same time. A request counts as an error unless it gets
 * 200 with a body as long as its Content-Length. Latency: from writing the
 * request (all connections being open) to the last byte of its response.
 *
 * Used by `npm run bench -- gateway` (in its own process: concurrent.ts) and
 * by the test that 1,000 concurrent connections all succeed.
 */
export interface ConcurrentJob {
  proxy: { host: string, port: number }
  /** Host names (.tor-net) the targets point into (by index: the job travels as one command-line argument). */
  hosts: string[]
  /** One request per entry. */
  targets: Array<{ host: number, path: string }>
  /** Client source addresses, used in turn (127.0.0.x: the gateway caps connections per client address). */
  localAddresses?: string[]
  timeoutMs?: number
  /** A plain HTTP server instead of the gateway (the baseline): every request is an origin-form GET to it. */
  direct?: boolean
  /**
   * Hold every request until all connections are open (and the SOCKS ones through their
   * handshake): then all of them are open at the gateway at the same moment. Default true.
   */
  together?: boolean
}

export interface ConcurrentResult {
  requests: number
  ok: number
  errors: number
  /** The first few failures, for the log. */
  failures: string[]
  latenciesMs: number[]
  bySocks: number
  byHttpProxy: number
  /** Most connections open at once (counted by this client). */
  peakOpen: number
  wallMs: number
}

export async function concurrentGets (job: ConcurrentJob): Promise<ConcurrentResult> {
  const timeoutMs = job.timeoutMs ?? 60_000
  const addresses = job.localAddresses ?? []
  const failures: string[] = []
  const latenciesMs: number[] = []
  let open = 0
  let peakOpen = 0
  let ok = 0
  const barrier = new Barrier(job.together === false ? 0 : job.targets.length)
  const t0 = performance.now()
  await Promise.all(job.targets.map(async ({ host, path }, i) => {
    const target = { host: job.hosts[host]!, path }
    const via = job.direct === true ? 'direct' : i % 2 === 0 ? 'socks' : 'http'
    const localAddress = addresses.length === 0 ? undefined : addresses[i % addresses.length]
    const ticket = barrier.ticket()
    try {
      const ms = await oneGet(job.proxy, target, via, localAddress, timeoutMs, ticket, () => {
        open++
        peakOpen = Math.max(peakOpen, open)
      }, () => { open-- })
      latenciesMs.push(ms)
      ok++
    } catch (err) {
      ticket.arrive() // a connection that failed early must not hold the others
      if (failures.length < 10) failures.push(`${via} ${target.host}${target.path}: ${String(err)}`)
    }
  }))
  return {
    requests: job.targets.length,
    ok,
    errors: job.targets.length - ok,
    failures,
    latenciesMs,
    bySocks: job.direct === true ? 0 : Math.ceil(job.targets.length / 2),
    byHttpProxy: job.direct === true ? 0 : Math.floor(job.targets.length / 2),
    peakOpen,
    wallMs: performance.now() - t0
  }
}

async function oneGet (proxy: { host: string, port: number }, target: { host: string, path: string }, via: 'socks' | 'http' | 'direct',
  localAddress: string | undefined, timeoutMs: number, ticket: Ticket, opened: () => void, closed: () => void): Promise<number> {
  const socket = connect({ host: proxy.host, port: proxy.port, localAddress })
  socket.setNoDelay(true)
  opened()
  socket.once('close', closed)
  const timer = setTimeout(() => socket.destroy(new Error(`no complete answer in ${timeoutMs} ms`)), timeoutMs)
  try {
    const reader = new SocketReader(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    let requestTarget = target.path
    if (via === 'socks') {
      socket.write(Uint8Array.of(0x05, 0x01, 0x00))
      const method = await reader.read(2)
      if (method[0] !== 0x05 || method[1] !== 0x00) throw new Error(`SOCKS method reply ${method.toString('hex')}`)
      const name = Buffer.from(target.host)
      socket.write(Buffer.concat([Uint8Array.of(0x05, 0x01, 0x00, 0x03, name.length), name, Uint8Array.of(0, 80)]))
      const reply = await reader.read(10)
      if (reply[1] !== 0x00) throw new Error(`SOCKS reply ${reply[1]}`)
    } else if (via === 'http') {
      requestTarget = `http://${target.host}${target.path}`
    }
    await ticket.wait()
    const sentAt = performance.now()
    socket.write(`GET ${requestTarget} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`)
    const response = await reader.rest()
    const headEnd = response.indexOf('\r\n\r\n')
    if (headEnd < 0) throw new Error(`incomplete response (${response.length} bytes)`)
    const head = response.subarray(0, headEnd).toString('latin1')
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
    if (status !== 200) throw new Error(`HTTP ${status}`)
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1]
    const body = response.length - headEnd - 4
    if (length !== undefined && Number(length) !== body) throw new Error(`body ${body} bytes, Content-Length ${length}`)
    return performance.now() - sentAt
  } finally {
    clearTimeout(timer)
    socket.destroy()
  }
}

/** Lets every party's wait() resolve once `count` parties have arrived (at wait(), or on failing early). */
class Barrier {
  private arrived = 0
  private readonly all: Promise<void>
  private release: () => void = () => {}

  constructor (private readonly count: number) {
    this.all = new Promise(resolve => { this.release = resolve })
    if (count === 0) this.release()
  }

  /** One party's: arrive() counts once however often it is called. */
  ticket (): Ticket {
    let done = false
    const arrive = (): void => {
      if (done) return
      done = true
      if (++this.arrived === this.count) this.release()
    }
    return { arrive, wait: async () => { arrive(); await this.all } }
  }
}

interface Ticket {
  arrive: () => void
  wait: () => Promise<void>
}

/** Reads exact byte counts from a socket, then everything to its end. */
class SocketReader {
  private buffered: Buffer[] = []
  private length = 0
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined

  constructor (socket: Socket) {
    socket.on('data', (b: Buffer) => { this.buffered.push(b); this.length += b.length; this.notify() })
    socket.once('end', () => { this.ended = true; this.notify() })
    socket.once('close', () => { this.ended = true; this.notify() })
    socket.once('error', (err) => { this.failure = err; this.notify() })
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private async waitFor (done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.failure !== undefined) throw this.failure
      if (this.ended) throw new Error('connection closed early')
      await new Promise<void>(resolve => { this.wake = resolve })
    }
  }

  async read (n: number): Promise<Buffer> {
    await this.waitFor(() => this.length >= n)
    const all = Buffer.concat(this.buffered)
    this.buffered = [all.subarray(n)]
    this.length = all.length - n
    return all.subarray(0, n)
  }

  async rest (): Promise<Buffer> {
    while (!this.ended) {
      if (this.failure !== undefined) throw this.failure
      await new Promise<void>(resolve => { this.wake = resolve })
    }
    if (this.failure !== undefined) throw this.failure
    return Buffer.concat(this.buffered)
  }
}
