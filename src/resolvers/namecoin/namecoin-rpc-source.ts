import { readFile } from 'node:fs/promises'
import { request } from 'undici'
import { isTornetError } from '../../node/index.js'
import { resolveError } from '../errors.js'
import { RESOLVE_ERRORS } from '../types.js'
import type { NameRecord, NameSource } from './name-source.js'

/**
 * Names from a Namecoin Core node over its JSON-RPC interface (HTTP POST,
 * Basic auth), method `name_show`:
 *
 *   → {"jsonrpc": "1.0", "id": n, "method": "name_show", "params": ["d/example"]}
 *   ← {"result": {"name", "name_encoding", "value", "value_encoding", "txid", "vout",
 *                 "address", "height", "expires_in", "expired", "ismine"}, "error": null, "id": n}
 *   ← {"result": null, "error": {"code": -4, "message": "name not found: 'd/x'"}, "id": n}
 *
 * With JSON-RPC 1.0, Core answers errors with HTTP 500 (404 for an unknown
 * method) and a JSON body, and a bad user/password with a bare HTTP 401.
 * Credentials come from the config, or from the `.cookie` file Core writes
 * in its data directory at every start ("__cookie__:<hex>"), read afresh
 * for every request so a restarted node keeps working.
 */

export interface NamecoinRpcOptions {
  /** e.g. http://127.0.0.1:8336/ (mainnet's default RPC port). */
  url: string
  user?: string
  password?: string
  /** Path of Namecoin Core's .cookie file; used when no user/password is given. */
  cookieFile?: string
  /** Per request; default 10 s. */
  timeoutMs?: number
  /** Largest response body read; default 1 MiB (a name value is at most a few KiB). */
  maxResponseBytes?: number
}

const RPC_WALLET_ERROR = -4 // what name_show answers for a missing (or expired) name
const RPC_IN_WARMUP = -28
const RPC_METHOD_NOT_FOUND = -32601

export class NamecoinRpcSource implements NameSource {
  private readonly url: string // without user:password, so it can go into messages
  private readonly urlCredentials: string | undefined
  private readonly timeoutMs: number
  private readonly maxResponseBytes: number
  private nextId = 1

  constructor (private readonly opts: NamecoinRpcOptions) {
    const { url, credentials } = splitCredentials(opts.url)
    this.url = url
    this.urlCredentials = credentials
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.maxResponseBytes = opts.maxResponseBytes ?? 1 << 20
  }

  async nameShow (name: string, signal?: AbortSignal): Promise<NameRecord | undefined> {
    const answer = await this.call('name_show', [name], signal)
    if (answer.error !== undefined) {
      const { code, message } = answer.error
      if (code === RPC_WALLET_ERROR) {
        if (/expired/i.test(message)) throw resolveError(RESOLVE_ERRORS.expired, `The Namecoin name ${name} has expired (Namecoin Core: ${message}).`)
        return undefined
      }
      if (code === RPC_IN_WARMUP) throw resolveError(RESOLVE_ERRORS.unavailable, `Namecoin Core at ${this.url} is still starting (${message}); try again in a minute.`)
      if (code === RPC_METHOD_NOT_FOUND) throw resolveError(RESOLVE_ERRORS.unavailable, `The node at ${this.url} does not know name_show: is it Namecoin Core (not Bitcoin Core)?`)
      throw resolveError(RESOLVE_ERRORS.unavailable, `Namecoin Core at ${this.url} refused name_show ${name}: ${message} (code ${code}).`)
    }
    return this.toRecord(name, answer.result)
  }

  private toRecord (name: string, result: unknown): NameRecord {
    const bad = (why: string): never => { throw resolveError(RESOLVE_ERRORS.unavailable, `Namecoin Core at ${this.url} gave an unexpected name_show answer for ${name}: ${why}.`) }
    if (typeof result !== 'object' || result === null) return bad('no result object')
    const r = result as Record<string, unknown>
    if (typeof r.value !== 'string') return bad('no "value" string')
    if (!Number.isSafeInteger(r.height)) return bad('no integer "height"')
    if (r.name !== undefined && r.name !== name) return bad(`it is about ${String(r.name)}`)
    const expiresIn = Number.isSafeInteger(r.expires_in) ? r.expires_in as number : undefined
    if (r.expired === true || (expiresIn !== undefined && expiresIn <= 0)) {
      throw resolveError(RESOLVE_ERRORS.expired, `The Namecoin name ${name} has expired (last updated at block ${String(r.height)}; names expire 36,000 blocks after their last update).`)
    }
    let value = r.value
    if (r.value_encoding === 'hex') {
      if (!/^([0-9a-f]{2})*$/i.test(value)) return bad('"value" is not hex')
      try {
        value = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'hex'))
      } catch {
        throw resolveError(RESOLVE_ERRORS.invalidRecord, `The value of ${name} is not UTF-8 text.`)
      }
    } else if (r.value_encoding !== undefined && r.value_encoding !== 'ascii' && r.value_encoding !== 'utf8') {
      return bad(`unknown value_encoding ${String(r.value_encoding)} (set -valueencoding=utf8 on the node)`)
    }
    return { value, height: r.height as number, expiresIn, txid: typeof r.txid === 'string' ? r.txid : undefined }
  }

  private async authorization (): Promise<string | undefined> {
    const { user, password, cookieFile } = this.opts
    if (user !== undefined || password !== undefined) return basic(`${user ?? ''}:${password ?? ''}`)
    if (this.urlCredentials !== undefined) return basic(this.urlCredentials)
    if (cookieFile === undefined) return undefined
    let cookie: string
    try {
      const file = await readFile(cookieFile)
      cookie = file.subarray(0, 4096).toString('utf8').trim()
    } catch (err) {
      throw resolveError(RESOLVE_ERRORS.unavailable,
        `Cannot read the Namecoin Core cookie file ${cookieFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): is namecoind running, and is this its data directory?`, err)
    }
    if (!cookie.includes(':')) throw resolveError(RESOLVE_ERRORS.unavailable, `The cookie file ${cookieFile} does not hold "user:password".`)
    return basic(cookie)
  }

  private async call (method: string, params: unknown[], signal?: AbortSignal): Promise<{ result: unknown, error?: { code: number, message: string } }> {
    signal?.throwIfAborted()
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const auth = await this.authorization()
    if (auth !== undefined) headers.authorization = auth
    const id = this.nextId++
    const body = JSON.stringify({ jsonrpc: '1.0', id, method, params })

    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; controller.abort() }, this.timeoutMs)
    const onAbort = (): void => controller.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const res = await request(this.url, { method: 'POST', headers, body, signal: controller.signal })
      const text = await readLimited(res.body, this.maxResponseBytes)
      if (res.statusCode === 401 || res.statusCode === 403) {
        throw resolveError(RESOLVE_ERRORS.unavailable,
          `Namecoin Core at ${this.url} refused the credentials (HTTP ${res.statusCode}). Check rpcuser/rpcpassword in the Tornet config, ` +
          'or that cookieFile is the .cookie of the running namecoind (it changes at every restart).')
      }
      let parsed: unknown
      try { parsed = JSON.parse(text) } catch {
        throw resolveError(RESOLVE_ERRORS.unavailable, `The server at ${this.url} is not a Namecoin Core JSON-RPC endpoint (HTTP ${res.statusCode}, body is not JSON).`)
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw resolveError(RESOLVE_ERRORS.unavailable, `The server at ${this.url} answered ${method} with something other than a JSON-RPC object.`)
      }
      const o = parsed as Record<string, unknown>
      if (o.error !== null && o.error !== undefined) {
        const e = o.error as Record<string, unknown>
        const code = typeof e.code === 'number' ? e.code : 0
        const message = typeof e.message === 'string' ? e.message.slice(0, 500) : 'unknown error'
        return { result: undefined, error: { code, message } }
      }
      if (res.statusCode !== 200) throw resolveError(RESOLVE_ERRORS.unavailable, `Namecoin Core at ${this.url} answered HTTP ${res.statusCode} to ${method}.`)
      return { result: o.result }
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason
      if (timedOut) {
        throw resolveError(RESOLVE_ERRORS.timeout, `Namecoin Core at ${this.url} did not answer ${method} within ${this.timeoutMs} ms. Is the node busy or still syncing?`, err)
      }
      if (isTornetError(err)) throw err
      throw resolveError(RESOLVE_ERRORS.unavailable, describeConnectError(this.url, err), err)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }
}

/**
 * "http://user:pass@host/" → the URL without them, and "user:pass" (decoded). Every message
 * names the URL, and messages reach pages and logs: a password written into rpc.url must not.
 */
export function splitCredentials (raw: string): { url: string, credentials?: string } {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { url: redactCredentials(raw) }
  }
  if (url.username === '' && url.password === '') return { url: raw }
  const credentials = `${safeDecode(url.username)}:${safeDecode(url.password)}`
  url.username = ''
  url.password = ''
  return { url: url.href, credentials }
}

/** Anything between "//" and "@" in text that may be a URL, replaced: for text that does not parse. */
export function redactCredentials (text: string): string {
  return text.replace(/\/\/[^/?#]*@/g, '//…@')
}

function safeDecode (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}

function basic (userPass: string): string {
  return `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`
}

async function readLimited (body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => unknown }, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > max) {
      body.destroy?.()
      throw resolveError(RESOLVE_ERRORS.unavailable, `The Namecoin Core answer exceeds ${max} bytes.`)
    }
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describeConnectError (url: string, err: unknown): string {
  const code = findCode(err)
  const what = code === 'ECONNREFUSED'
    ? 'connection refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host name not found' : code ?? (err as Error)?.message ?? String(err)
  return `Cannot reach Namecoin Core at ${url} (${what}). Check that namecoind is running with server=1, ` +
    'that rpc.url in the Tornet config matches its rpcport/rpcbind, or switch the Namecoin backend to electrumx.'
}

function findCode (err: unknown): string | undefined {
  // undici wraps socket errors; the system code may sit on the error or its cause.
  for (let e = err as { code?: unknown, cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('UND_')) return e.code
  }
  return undefined
}
