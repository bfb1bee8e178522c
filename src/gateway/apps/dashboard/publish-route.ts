/**
 * POST /publish: the dashboard's upload form. The body (multipart/form-data)
 * is streamed part by part into the node's publish, never held whole.
 *
 * The form sends its fields first, then the files:
 *   csrf          the page's token (or header x-tornet-csrf)
 *   title         optional; default: the folder's or the first file's name
 *   name          optional; a <name>.tor-net to register for the result
 *   folder-paths  optional; the folder input's relative paths, one per line,
 *                 filled in by the page's script for browsers that send only
 *                 the leaf name of a folder's files
 *   folder        files of a chosen folder ("<folder>/<path>"; the folder's
 *                 own name is dropped)
 *   files         single files (their name is their path)
 * On success: 303 to /?published=<reference>.
 */
import type { IncomingMessage } from 'node:http'
import type { GatewayRequestContext } from '../../app.js'
import { errorCode } from '../../errors.js'
import type { LocalRoute } from '../local.js'
import { gatewayAuthority } from '../../gateway-authority.js'
import { CSRF_FIELD, headerToken, isSameGatewayOrigin, tokensEqual } from './csrf.js'
import { DEFAULT_DRAIN_BUDGET, drain, lingerOnClose, type DrainBudget } from './drain.js'
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'
import { isDashboardCode, sendDashboardError } from './error-reply.js'
import { FormReader, type FormPart } from './form-reader.js'
import { boundaryOf } from './multipart-headers.js'
import { DEFAULT_MULTIPART_LIMITS, type MultipartLimits } from './multipart-parser.js'
import type { NameJobs } from './name-jobs.js'
import type { DashboardPort, UploadedFile } from './port.js'
import { UploadPathSet, uploadPath } from './upload-path.js'

export interface PublishLimits extends MultipartLimits {
  maxFieldBytes: number // csrf, title, name
  maxFolderPathsBytes: number // the folder-paths field
  maxConcurrent: number // uploads being published at once
  drain: DrainBudget
  /** The whole upload must arrive within this (the gateway's minimum body rate applies too); 0: no deadline. */
  bodyTimeoutMs: number
}

export const DEFAULT_PUBLISH_LIMITS: PublishLimits = {
  ...DEFAULT_MULTIPART_LIMITS,
  maxFieldBytes: 16 * 1024,
  maxFolderPathsBytes: 4 * 1024 * 1024,
  maxConcurrent: 2,
  drain: DEFAULT_DRAIN_BUDGET,
  bodyTimeoutMs: 60 * 60_000 // an upload is long, unlike the gateway's default body deadline for a form
}

export const MAX_TITLE_CHARS = 200
export const MAX_NAME_CHARS = 253

const KNOWN_FIELDS = new Set([CSRF_FIELD, 'title', 'name', 'folder-paths'])

export interface PublishRouteDeps {
  port: DashboardPort
  token: string
  names: NameJobs
  limits?: Partial<PublishLimits>
}

interface Fields {
  csrf?: string
  title: string
  name: string
  folderPaths: string[]
}

export function publishRoute (deps: PublishRouteDeps): LocalRoute {
  const limits: PublishLimits = { ...DEFAULT_PUBLISH_LIMITS, ...deps.limits }
  let active = 0

  return {
    path: '/publish',
    methods: ['POST'],
    bodyTimeoutMs: limits.bodyTimeoutMs,
    async handle (req, res, ctx) {
      const source = req[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
      const gateway = gatewayAuthority(ctx.gateway, req)
      // Refuses after reading (and discarding) what is left of the body, within the drain budget.
      const refuse = async (err: unknown, bodyDone: boolean): Promise<void> => {
        const drained = bodyDone || await drain(source, limits.drain)
        if (ctx.signal.aborted) return
        if (!drained) lingerOnClose(res, source)
        sendDashboardError(res, err, { close: !drained, gateway })
      }

      if (!isSameGatewayOrigin(req, { host: ctx.host, port: ctx.port })) {
        await refuse(dashboardError(DASHBOARD_ERRORS.forbiddenOrigin, 'This upload did not come from the dashboard page.'), false)
        return
      }
      let boundary: string
      try {
        boundary = boundaryOf(req.headers['content-type'])
      } catch (err) {
        await refuse(err, false)
        return
      }
      const declared = Number(req.headers['content-length'] ?? NaN)
      if (Number.isFinite(declared) && declared > limits.maxTotalBytes) {
        // Reading it would be pointless: answer now and close.
        lingerOnClose(res, source)
        sendDashboardError(res, dashboardError(DASHBOARD_ERRORS.tooLarge, `The upload (${declared} bytes) is larger than the limit of ${limits.maxTotalBytes} bytes.`),
          { close: true, gateway })
        return
      }
      if (active >= limits.maxConcurrent) {
        await refuse(dashboardError(DASHBOARD_ERRORS.busy, `${active} uploads are being published already.`), false)
        return
      }

      active++
      const reader = new FormReader(source, boundary, limits)
      try {
        const reference = await publishUpload(req, ctx, reader, deps, limits)
        res.writeHead(303, { location: `/?published=${encodeURIComponent(reference)}`, 'content-length': '0', 'cache-control': 'no-store' })
        res.end()
      } catch (err) {
        if (ctx.signal.aborted) return // the browser went away; nobody to answer
        const sourceFailed = reader.failure !== undefined && !isDashboardCode(errorCode(reader.failure))
        if (sourceFailed) throw reader.failure // the connection broke mid-upload
        if (!isDashboardCode(errorCode(err))) ctx.log('warn', 'publish failed', { error: String(err) })
        await refuse(err, reader.ended)
      } finally {
        active--
      }
    }
  }
}

async function publishUpload (req: IncomingMessage, ctx: GatewayRequestContext, reader: FormReader,
  deps: PublishRouteDeps, limits: PublishLimits): Promise<string> {
  const parts = reader.parts()
  const { fields, firstFilePart } = await readFields(parts, limits)
  if (!tokensEqual(deps.token, headerToken(req) ?? fields.csrf)) {
    throw dashboardError(DASHBOARD_ERRORS.badToken, 'The form’s security token is missing or out of date.')
  }
  const name = fields.name.trim()
  if (name.length > MAX_NAME_CHARS || /[\u0000-\u0020\u007f]/.test(name)) {
    throw dashboardError(DASHBOARD_ERRORS.badName, 'The name is too long or contains spaces or control characters.')
  }

  let localFailure: unknown // from here, not from the port: wins over whatever the port makes of it
  const seen = new UploadPathSet()
  let folderIndex = 0
  let firstTitle: string | undefined
  let bytes = 0

  async function * files (): AsyncGenerator<UploadedFile, void, undefined> {
    try {
      let part: FormPart | undefined = firstFilePart
      while (part !== undefined) {
        if (part.filename === undefined) {
          if (KNOWN_FIELDS.has(part.name)) throw dashboardError(DASHBOARD_ERRORS.fieldsAfterFiles, `The field “${part.name}” came after the files.`)
        } else if (part.filename !== '') {
          const fromFolder = part.name === 'folder'
          let filename = part.filename
          if (fromFolder) {
            const hinted = fields.folderPaths[folderIndex++]
            if (hinted !== undefined && lastSegment(hinted) === lastSegment(filename)) filename = hinted
          }
          const path = uploadPath(filename, fromFolder)
          seen.add(path)
          firstTitle ??= fromFolder ? (filename.split('/').find(s => s.length > 0) ?? path) : path
          const current = part
          yield { path, open: () => counted(current.body()) }
        }
        const next = await parts.next()
        part = next.done === true ? undefined : next.value
      }
    } catch (err) {
      localFailure ??= err
      throw err
    }
  }

  async function * counted (body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const chunk of body) {
      bytes += chunk.byteLength
      yield chunk
    }
  }

  const source = files()
  const first = await source.next()
  if (first.done === true) throw dashboardError(DASHBOARD_ERRORS.noFiles, 'The upload contains no files.')
  const title = cleanTitle(fields.title) || cleanTitle(firstTitle ?? '') || 'Untitled'
  // Not `yield*`: a port that stops early must not close `source`, which is read on below.
  async function * all (): AsyncGenerator<UploadedFile, void, undefined> {
    yield first.value as UploadedFile
    while (true) {
      const next = await source.next()
      if (next.done === true) return
      yield next.value
    }
  }

  let result: { reference: string, url: string }
  try {
    result = await deps.port.publish(all(), { title, signal: ctx.signal })
    // A port that stopped taking files early has not published them all; reading on also checks the body's end.
    const rest = await source.next()
    if (rest.done !== true) throw dashboardError(DASHBOARD_ERRORS.publishFailed, 'The node stopped reading the upload before its last file.')
  } catch (err) {
    const local = localFailure ?? reader.failure
    if (local !== undefined) throw local
    if (isDashboardCode(errorCode(err))) throw err
    throw dashboardError(DASHBOARD_ERRORS.publishFailed, 'The node could not publish the upload.', err)
  }
  ctx.log('info', 'published from the dashboard', { reference: result.reference, files: seen.size, bytes })
  if (name.length > 0 && deps.port.registerName !== undefined) {
    deps.names.start(name, result.reference, deps.port.registerName.bind(deps.port))
  }
  return result.reference
}

async function readFields (parts: AsyncGenerator<FormPart, void, undefined>, limits: PublishLimits):
Promise<{ fields: Fields, firstFilePart: FormPart | undefined }> {
  const fields: Fields = { title: '', name: '', folderPaths: [] }
  const seen = new Set<string>()
  while (true) {
    const next = await parts.next()
    if (next.done === true) return { fields, firstFilePart: undefined }
    const part = next.value
    if (part.filename !== undefined) return { fields, firstFilePart: part }
    if (!KNOWN_FIELDS.has(part.name) || seen.has(part.name)) continue // unknown and repeated fields are skipped
    seen.add(part.name)
    const text = await part.text(part.name === 'folder-paths' ? limits.maxFolderPathsBytes : limits.maxFieldBytes)
    if (part.name === CSRF_FIELD) fields.csrf = text
    else if (part.name === 'title') fields.title = text
    else if (part.name === 'name') fields.name = text
    else fields.folderPaths = text.split(/\r?\n/).filter(line => line.length > 0)
  }
}

function cleanTitle (raw: string): string {
  const t = raw.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim()
  return t.length > MAX_TITLE_CHARS ? `${t.slice(0, MAX_TITLE_CHARS - 1)}…` : t
}

function lastSegment (path: string): string {
  const segments = path.split('/').filter(s => s.length > 0)
  return segments[segments.length - 1] ?? ''
}

