/**
 * Sites: <ref>.tor-net, <name>.tor-net and <name>.bit, served from SiteContent.
 * Files stream to the client as chunks arrive from the network, with
 * backpressure and no whole-file buffering; a client that goes away aborts
 * the read. Directories serve index.html or a generated listing.
 *
 * Small files, once read in full, are kept in a FileCache: a later request
 * for the same reference and path is answered from memory without asking
 * the content layer anything (no stat, no read, no deadline timer), which
 * is what makes a page served before cost little more than plain HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayApp, GatewayRequestContext } from '../app.js'
import { raceSignal, withDeadline } from '../abort.js'
import { noneMatchHits, quoteEtag } from '../conditional.js'
import { contentTypeFor } from '../content-type.js'
import { ContentErrorCode, GATEWAY_ERRORS, errorCode, gatewayError } from '../errors.js'
import { sendErrorPage } from '../error-page.js'
import { HTML_CONTENT_TYPE } from '../html.js'
import type { AnonymousSiteContent, ContentStat, DirectoryEntry, SiteContent } from '../ports.js'
import { contentForRequest } from '../tunnel-hops.js'
import { renderListing } from './directory-listing.js'
import { DEFAULT_FILE_CACHE_LIMITS, FileCache, type CachedFile, type FileCacheLimits } from './file-cache.js'
import { fileBodyHeaders, planFileResponse, sendNotModified, sendUnsatisfiable } from './file-response.js'
import { joinPath, sitePath } from './site-path.js'

export interface SiteAppOptions {
  content: SiteContent
  /** Reading through circuits, per request's hops and isolation tag (absent: always directly). */
  anonymous?: AnonymousSiteContent
  /** Our deadline for stat/list before the first byte; later stalls are the socket idle timeout's job. */
  lookupTimeoutMs?: number
  maxListingEntries?: number
  /** max-age for sites opened by name, whose content can change (seconds). */
  nameMaxAgeSeconds?: number
  /** Small files kept in memory once served whole (maxBytes 0: none). */
  fileCache?: Partial<FileCacheLimits>
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

type FileStat = Extract<ContentStat, { kind: 'file' }>

export function createSiteApp (options: SiteAppOptions): GatewayApp {
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 30_000
  const maxListingEntries = options.maxListingEntries ?? 10_000
  const nameCache = `public, max-age=${options.nameMaxAgeSeconds ?? 60}`
  const cache = new FileCache({ ...DEFAULT_FILE_CACHE_LIMITS, ...options.fileCache }, { immutable: IMMUTABLE, name: nameCache })

  const lookup = <T>(ctx: GatewayRequestContext, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    withDeadline(run, ctx.signal, lookupTimeoutMs, what)

  async function handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    if (ctx.target.kind !== 'content') throw new Error('site app given a non-content target')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendErrorPage(res, gatewayError(GATEWAY_ERRORS.methodNotAllowed, `${req.method ?? ''} is not served here.`),
        { host: ctx.host, method: req.method }, { allow: 'GET, HEAD' })
      return
    }
    const reference = ctx.target.reference
    const content = contentForRequest(options.content, options.anonymous, ctx.isolation)
    const cacheControl = ctx.isContentAddress ? IMMUTABLE : nameCache
    const cached = cache.get(reference, ctx.target.path, ctx.pathname)
    if (cached !== undefined) {
      serveCached(req, res, ctx, cached, cacheControl)
      return
    }
    const where = sitePath(ctx.pathname, ctx.target.path)
    const stat = await lookup(ctx, 'Finding this page', s => content.stat(reference, where.path, s))

    if (stat.kind === 'file') {
      if (where.trailingSlash) throw gatewayError(ContentErrorCode.notFound, `${where.name} is a file, not a directory.`)
      await serveFile(req, res, ctx, content, reference, where.path, where.name, stat, cacheControl)
      return
    }
    if (!where.trailingSlash) {
      // Relative links in the directory's pages need the slash.
      res.writeHead(301, { location: `${ctx.pathname}/${ctx.search}`, 'cache-control': cacheControl, 'content-length': '0' })
      res.end()
      return
    }
    const indexPath = joinPath(where.path, 'index.html')
    let index: ContentStat | undefined
    try {
      index = await lookup(ctx, 'Finding index.html', s => content.stat(reference, indexPath, s))
    } catch (err) {
      if (errorCode(err) !== ContentErrorCode.notFound) throw err
    }
    if (index?.kind === 'file') {
      await serveFile(req, res, ctx, content, reference, indexPath, 'index.html', index, cacheControl)
      return
    }
    await serveListing(req, res, ctx, content, reference, where.path, quoteEtag(`${stat.etag}.listing`), cacheControl)
  }

  async function serveListing (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, content: SiteContent,
    reference: string, path: string, etag: string, cacheControl: string): Promise<void> {
    const headers = { etag, 'cache-control': cacheControl }
    if (noneMatchHits(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers)
      res.end()
      return
    }
    const { entries, truncated } = await lookup(ctx, 'Listing this directory', async signal => {
      const entries: DirectoryEntry[] = []
      for await (const entry of content.list(reference, path, signal)) {
        if (entries.length >= maxListingEntries) return { entries, truncated: true }
        entries.push(entry)
      }
      return { entries, truncated: false }
    })
    const body = renderListing({ host: ctx.host, pathname: ctx.pathname, entries, truncated })
    res.writeHead(200, {
      ...headers,
      'content-type': HTML_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      'x-content-type-options': 'nosniff'
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  async function serveFile (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, content: SiteContent,
    reference: string, path: string, name: string, stat: FileStat, cacheControl: string): Promise<void> {
    const etag = quoteEtag(stat.etag)
    const size = stat.size
    const plan = planFileResponse(req, etag, size)
    if (plan.kind === 'not-modified') {
      sendNotModified(res, etag, cacheControl)
      return
    }
    if (plan.kind === 'unsatisfiable') {
      sendUnsatisfiable(req, res, ctx.host, etag, cacheControl, size)
      return
    }
    const range = plan.kind === 'partial' ? plan.range : undefined
    const length = range === undefined ? size : range.end - range.start + 1
    const contentType = contentTypeFor(name)
    // Under the URL's pathname (the same file may be asked for by several).
    const keep = (parts: Uint8Array[]): void => {
      if (ctx.target.kind === 'content') cache.store(reference, ctx.target.path, ctx.pathname, parts, etag, contentType)
    }
    res.writeHead(range === undefined ? 200 : 206, fileBodyHeaders(etag, cacheControl, contentType, size, range))
    if (req.method === 'HEAD' || length === 0) {
      if (size === 0) keep([])
      res.end()
      return
    }
    // Only a whole GET is kept: it is the read the content layer checks against the file's hash.
    const parts = range === undefined && req.method === 'GET' && cache.admits(size) ? [] : undefined
    // Not kept: each chunk is written out before the next is asked for, so the content layer
    // may reuse its memory (a long download then recycles a few buffers).
    const transient = parts === undefined
    const complete = await streamBody(res, content.read(reference, path, range, ctx.signal, { transient }), length, ctx.signal, parts, transient)
    if (complete && parts !== undefined) keep(parts)
  }

  return {
    name: 'site',
    matches: ctx => ctx.target.kind === 'content',
    handle
  }
}

/** A file from the cache: the same answers as serveFile, from memory and without waiting. */
function serveCached (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, file: CachedFile, cacheControl: string): void {
  const size = file.body.length
  const plan = planFileResponse(req, file.etag, size)
  if (plan.kind === 'full') {
    res.writeHead(200, ctx.isContentAddress ? file.immutableHeaders : file.nameHeaders)
    res.end(req.method === 'HEAD' ? undefined : file.body)
  } else if (plan.kind === 'not-modified') {
    sendNotModified(res, file.etag, cacheControl)
  } else if (plan.kind === 'unsatisfiable') {
    sendUnsatisfiable(req, res, ctx.host, file.etag, cacheControl, size)
  } else {
    const { start, end } = plan.range
    res.writeHead(206, fileBodyHeaders(file.etag, cacheControl, file.contentType, size, plan.range))
    res.end(req.method === 'HEAD' ? undefined : file.body.subarray(start, end + 1))
  }
}

/**
 * Writes chunks as they come, waiting for 'drain' when the client is slower
 * than the network. The body must be exactly `length` bytes: a short or long
 * stream is cut off rather than passed on, so the client sees an incomplete
 * response instead of a wrong file. With `keep`, the chunks are collected
 * there too. True when the whole body went out (false: the client left).
 * With `transient`, a chunk's memory may be reused once the next is asked for, so each is
 * handed to the socket and written (the write's callback) before the next is pulled, not just
 * queued.
 */
async function streamBody (res: ServerResponse, chunks: AsyncIterable<Uint8Array>, length: number, signal: AbortSignal,
  keep?: Uint8Array[], transient = false): Promise<boolean> {
  const iterator = chunks[Symbol.asyncIterator]()
  let sent = 0
  try {
    for (;;) {
      // Raced against the signal so a source that ignores it cannot keep us waiting after the client left.
      const next = await raceSignal(iterator.next(), signal)
      if (next.done === true) break
      const chunk = next.value
      if (res.destroyed) return false
      if (sent + chunk.length > length) {
        throw gatewayError(ContentErrorCode.corrupt, `The content is longer than its recorded size (${length} bytes).`)
      }
      sent += chunk.length
      keep?.push(chunk)
      if (transient) await written(res, chunk, signal)
      else if (!res.write(chunk)) await drained(res, signal)
    }
  } catch (err) {
    if (signal.aborted || res.destroyed) return false // the client left: nothing to tell anyone
    throw err
  } finally {
    if (sent !== length || res.destroyed) iterator.return?.()?.catch(() => {}) // stop the read early
  }
  if (sent !== length) {
    throw gatewayError(ContentErrorCode.corrupt, `The content ended after ${sent} of ${length} bytes.`)
  }
  res.end()
  return true
}

/** Writes `chunk` and waits until the socket is done with its bytes (or the response ended). */
async function written (res: ServerResponse, chunk: Uint8Array, signal: AbortSignal): Promise<void> {
  await untilClosedOr(res, signal, (done) => { res.write(chunk, done) })
}

async function drained (res: ServerResponse, signal: AbortSignal): Promise<void> {
  await untilClosedOr(res, signal, (done) => {
    res.on('drain', done)
    return () => { res.off('drain', done) }
  })
}

/**
 * Resolves when `arm`'s callback is called, the response closes or the signal aborts, whichever
 * is first; `arm` may return what undoes it.
 */
async function untilClosedOr (res: ServerResponse, signal: AbortSignal, arm: (done: () => void) => (() => void) | undefined | void): Promise<void> {
  await new Promise<void>(resolve => {
    let disarm: (() => void) | undefined | void
    const done = (): void => {
      disarm?.()
      res.off('close', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    res.on('close', done)
    signal.addEventListener('abort', done, { once: true })
    disarm = arm(done)
  })
}
