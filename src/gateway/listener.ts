/**
 * The mixed port. One TCP listener; the first byte of each connection picks
 * the protocol: 05 SOCKS5, 04 SOCKS4/4a, anything else HTTP (proxy requests in
 * absolute form, CONNECT, or plain requests to the gateway's own pages). One
 * node:http server, which never listens itself, parses every HTTP connection,
 * including those that arrive through a SOCKS or CONNECT tunnel: it is handed
 * sockets with server.emit('connection'), after the sniffed bytes are put
 * back with socket.unshift().
 */
import { setMaxListeners } from 'node:events'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type LookupFunction, type Server as NetServer, type Socket } from 'node:net'
import { formatHostPort } from '../node/index.js'
import type { GatewayApp, GatewayInfo } from './app.js'
import { createClearnetApp } from './apps/clearnet.js'
import { LocalApp, pacRoute, placeholderDashboardRoute, type LocalRoute } from './apps/local.js'
import { DEFAULT_FILE_CACHE_LIMITS } from './apps/file-cache.js'
import { createSiteApp } from './apps/site.js'
import { GATEWAY_ERRORS, errorCode, gatewayError } from './errors.js'
import { rawErrorResponse } from './error-page.js'
import { DEFAULT_TORNET_SUFFIXES, isLoopbackHost } from './hosts.js'
import { createConnectHandler } from './http/connect-handler.js'
import { DestinationParser } from './http/destination-parser.js'
import { createRequestDispatcher } from './http/request-dispatcher.js'
import { TunnelRegistry, type TunnelContext } from './http/tunnel-context.js'
import { connectDirect } from './pass-through.js'
import { loadPacTemplate } from './pac.js'
import type { AnonymousSiteContent, GatewayLog, GatewayResolver, SiteContent } from './ports.js'
import { Router } from './router.js'
import { sniffProtocol } from './sniff.js'
import { runSocksSession } from './socks/socks-session.js'
import { planTunnel, type TunnelDeps } from './tunnel-plan.js'

export interface GatewayLimits {
  maxConnections: number // open client sockets; more are dropped by the kernel listener
  maxHeaderSize: number // bytes of request head; larger → 431
  handshakeTimeoutMs: number // from accept to a sniffed protocol and a complete SOCKS request (a deadline, not idleness)
  idleTimeoutMs: number // no bytes either way for this long closes a connection
  headersTimeoutMs: number // a request head must arrive within this (slow-header clients)
  requestTimeoutMs: number // the whole request (head and body) must arrive within this (node's own check; 0: off)
  bodyTimeoutMs: number // a request body must be complete this long after the request began; a route may set its own
  minBodyBytesPerSecond: number // a body arriving slower than this (per window) closes the connection with 408
  bodyRateWindowMs: number // how often the body rate is checked, and over how long
  maxConnectionsPerClient: number // open sockets from one client address; more are closed at once
  keepAliveTimeoutMs: number
  resolveTimeoutMs: number // our deadline for a name lookup and for stat/list before the first byte
  connectTimeoutMs: number // pass-through TCP connect
  maxListingEntries: number
  fileCacheBytes: number // small files of sites kept in memory once served; 0 turns that off
  fileCacheMaxFileBytes: number // larger files always stream from the content layer
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  // Room for a crowd of clients (1,000 open at once is tested); one client address still gets at most
  // maxConnectionsPerClient of them.
  maxConnections: 2048,
  maxHeaderSize: 16 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  minBodyBytesPerSecond: 1024,
  bodyRateWindowMs: 10_000,
  maxConnectionsPerClient: 256,
  keepAliveTimeoutMs: 5_000,
  resolveTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxListingEntries: 10_000,
  fileCacheBytes: DEFAULT_FILE_CACHE_LIMITS.maxBytes,
  fileCacheMaxFileBytes: DEFAULT_FILE_CACHE_LIMITS.maxFileBytes
}

export interface GatewayOptions {
  host?: string // default 127.0.0.1
  port?: number // default 9150; 0 picks a free port
  /** Binding anything but a loopback address must be asked for explicitly. */
  allowPublic?: boolean
  resolver: GatewayResolver
  content: SiteContent
  /** Sites read through circuits (gateway.tunnelHops, `tornet-hops-N` user names); absent: always directly. */
  anonymous?: AnonymousSiteContent
  /** Apps asked before the built-in ones (webmail, radio, …). */
  apps?: GatewayApp[]
  /** Extra pages on the gateway itself ('/' replaces the placeholder dashboard). */
  localRoutes?: LocalRoute[]
  /** Let non-Tornet hosts (and .bit names pointing at public IPs) through to the internet. Default off. */
  passThrough?: boolean
  tornetSuffixes?: readonly string[]
  limits?: Partial<GatewayLimits>
  /** How pass-through turns a host name into an address; default the system's resolver (dns.lookup). */
  lookup?: LookupFunction
  /** The PAC template's text; default: pac/proxy.pac from the installation. */
  pacTemplate?: string
  log?: GatewayLog
}

export interface Gateway {
  readonly address: { host: string, port: number }
  readonly url: string // http://host:port
  readonly router: Router
  readonly local: LocalApp
  readonly connections: number // open sockets, client and pass-through upstream
  close (): Promise<void>
}

export async function createGateway (options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 9150
  if (!isLoopbackHost(host) && options.allowPublic !== true) {
    throw gatewayError(GATEWAY_ERRORS.publicInterface,
      `Refusing to open the gateway on ${host}: anyone who can reach it could use your node. ` +
      'Use 127.0.0.1, or set gateway.allowPublic in config.json if you really mean it.')
  }
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...options.limits }
  const log: GatewayLog = options.log ?? (() => {})
  const tornetSuffixes = options.tornetSuffixes ?? DEFAULT_TORNET_SUFFIXES
  const pacTemplate = options.pacTemplate ?? await loadPacTemplate()
  const info: GatewayInfo = { host, port, passThrough: options.passThrough === true }
  const lifetime = new AbortController()
  // Every open request that waits listens here for the gateway's close, and a radio stream stays open
  // for hours: many at once is normal (maxConnections bounds them), not a leak to warn about.
  setMaxListeners(0, lifetime.signal)
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }

  const local = new LocalApp([placeholderDashboardRoute(), pacRoute(pacTemplate), ...(options.localRoutes ?? [])])
  const router = new Router([
    local,
    createSiteApp({
      content: options.content,
      anonymous: options.anonymous,
      lookupTimeoutMs: limits.resolveTimeoutMs,
      maxListingEntries: limits.maxListingEntries,
      fileCache: { maxBytes: limits.fileCacheBytes, maxFileBytes: limits.fileCacheMaxFileBytes }
    }),
    createClearnetApp({ tornetSuffixes, connectTimeoutMs: limits.connectTimeoutMs, lookup: options.lookup })
  ])
  for (const app of options.apps ?? []) router.register(app)

  const httpServer = createHttpServer({
    maxHeaderSize: limits.maxHeaderSize,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // how often node looks for connections past those deadlines
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4)))
  })
  // node starts its header/request deadline checks on 'listening'; this server never listens itself.
  httpServer.emit('listening')

  const authority = (): string => formatHostPort(host, info.port)

  // A SOCKS client that sends its handshake a byte at a time is never idle for long: the handshake
  // has a deadline from accept, which ends once the request is in (or the protocol is HTTP, whose
  // head node's headersTimeout bounds).
  const handshakeDeadlines = new Map<Socket, NodeJS.Timeout>()
  const handshakeDone = (socket: Socket): void => {
    clearTimeout(handshakeDeadlines.get(socket))
    handshakeDeadlines.delete(socket)
  }

  const tunnels = new TunnelRegistry()
  const handToHttp = (socket: Socket, tunnel?: TunnelContext, early?: Uint8Array): void => {
    if (tunnel !== undefined) tunnels.set(socket, tunnel)
    if (early !== undefined && early.length > 0) socket.unshift(Buffer.from(early))
    httpServer.emit('connection', socket)
    socket.resume()
  }

  const tunnelDeps: TunnelDeps = {
    plan: (h, p, isolation) => planTunnel(h, p, {
      resolver: options.resolver, passThrough: info.passThrough, tornetSuffixes, resolveTimeoutMs: limits.resolveTimeoutMs, signal: lifetime.signal, isolation
    }),
    handToHttp,
    isTunnel: socket => tunnels.of(socket) !== undefined,
    async openDirect (h, p) {
      const upstream = await connectDirect(h, p, limits.connectTimeoutMs, lifetime.signal, options.lookup)
      track(upstream)
      upstream.setTimeout(limits.idleTimeoutMs, () => upstream.destroy())
      return upstream
    },
    established: socket => {
      handshakeDone(socket)
      socket.setTimeout(limits.idleTimeoutMs)
    },
    get gatewayAuthority () { return authority() },
    log
  }

  httpServer.on('request', createRequestDispatcher({
    resolver: options.resolver, router, gateway: info, tornetSuffixes, resolveTimeoutMs: limits.resolveTimeoutMs, signal: lifetime.signal, log,
    body: { bodyTimeoutMs: limits.bodyTimeoutMs, minBodyBytesPerSecond: limits.minBodyBytesPerSecond, bodyRateWindowMs: limits.bodyRateWindowMs },
    destinations: new DestinationParser(tunnels)
  }))
  httpServer.on('connect', createConnectHandler(tunnelDeps))
  httpServer.on('clientError', (err: Error, socket: Socket) => {
    // Malformed request, oversized head, slow client: answer once if nothing is on the wire yet, then close.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    const code = errorCode(err)
    if (code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy()
      return
    }
    log('debug', 'bad HTTP request', { code })
    socket.end(rawErrorResponse(err, { gateway: authority() }))
  })

  // Open sockets per client address: one client (a remote one when allowPublic is set, or one
  // local program) cannot take every slot of maxConnections.
  const perClient = new Map<string, number>()
  const accept = (socket: Socket): void => {
    const client = socket.remoteAddress ?? ''
    const open = perClient.get(client) ?? 0
    if (open >= limits.maxConnectionsPerClient) {
      log('debug', 'too many connections from one client', { client, open })
      socket.destroy()
      return
    }
    perClient.set(client, open + 1)
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1
      if (left <= 0) perClient.delete(client)
      else perClient.set(client, left)
    })
    track(socket)
    socket.on('error', err => log('debug', 'client socket error', { code: errorCode(err) })) // for the socket's whole life
    socket.setNoDelay(true)
    socket.setTimeout(limits.handshakeTimeoutMs)
    socket.on('timeout', () => socket.destroy())
    const deadline = setTimeout(() => socket.destroy(), limits.handshakeTimeoutMs)
    deadline.unref()
    handshakeDeadlines.set(socket, deadline)
    socket.once('close', () => handshakeDone(socket))
    socket.once('data', (first: Buffer) => {
      socket.pause()
      const protocol = sniffProtocol(first[0]!)
      if (protocol === 'http') {
        handshakeDone(socket)
        socket.setTimeout(limits.idleTimeoutMs)
        socket.unshift(first)
        handToHttp(socket)
      } else {
        runSocksSession(socket, first, tunnelDeps)
      }
    })
  }

  const netServer = createNetServer(accept)
  netServer.maxConnections = limits.maxConnections
  await listen(netServer, host, port)
  const bound = netServer.address()
  info.port = typeof bound === 'object' && bound !== null ? bound.port : port
  log('info', `gateway listening on ${authority()}`, { passThrough: info.passThrough })

  let closing: Promise<void> | undefined
  return {
    address: { host, port: info.port },
    get url () { return `http://${authority()}` },
    router,
    local,
    get connections () { return sockets.size },
    close () {
      closing ??= new Promise<void>(resolve => {
        lifetime.abort(gatewayError(GATEWAY_ERRORS.timeout, 'The gateway is shutting down.'))
        netServer.close(() => resolve())
        httpServer.close(() => {}) // stops node's deadline checks; reports "not running", which is expected
        for (const socket of sockets) socket.destroy()
      })
      return closing
    }
  }
}

function listen (server: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = errorCode(err)
      if (code === 'EADDRINUSE') {
        reject(gatewayError(GATEWAY_ERRORS.portInUse,
          `Port ${port} on ${host} is in use${port === 9150 ? ' (Tor Browser uses it too)' : ''}; ` +
          'start with --gateway-port N or set gateway.port in config.json.', err))
      } else if (code === 'EACCES') {
        reject(gatewayError(GATEWAY_ERRORS.portDenied,
          `Not allowed to listen on ${host}:${port}; choose a port above 1023 with --gateway-port N or gateway.port in config.json.`, err))
      } else {
        reject(err)
      }
    }
    server.once('error', onError)
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
