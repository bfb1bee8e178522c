/**
 * An in-memory SiteContent and Resolver serving one small site, for gateway
 * tests: several files (HTML, CSS, a 5 MiB binary, an empty file, names that
 * need escaping), a directory without index.html, and hosts that fail in
 * each way a real network can. Reads stream in 64 KiB chunks, yielding to
 * the event loop between them, and count how reads end (finished/aborted).
 */
import { createHash } from 'node:crypto'
import { TornetError } from '../../src/node/errors.js'
import type { ByteRange, ContentStat, DirectoryEntry, SiteContent } from '../../src/gateway/ports.js'
import { RESOLVE_ERRORS, type ResolveTarget, type Resolver } from '../../src/resolvers/types.js'

export const BIG_FILE_SIZE = 5 * 1024 * 1024
const CHUNK = 64 * 1024

export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Deterministic pseudo-random bytes (xorshift32): a binary file that compresses to nothing. */
export function pseudoRandomBytes (length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out.writeUInt32LE(x, i) // length is a multiple of 4 here
  }
  return out
}

function base32 (bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

/** A reference in label form: two 52-character base32 labels (id, key). */
export const FAKE_REFERENCE = `${base32(createHash('sha256').update('fake root').digest())}.${base32(createHash('sha256').update('fake key').digest())}`
export const FAKE_REFERENCE_HOST = `${FAKE_REFERENCE}.tor-net`

export function fakeSiteFiles (): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  files.set('index.html', Buffer.from('<!DOCTYPE html><html><head><title>Fake site</title><link rel="stylesheet" href="style.css"></head>' +
    '<body><h1>Hello from Tornet</h1><p>A fake site for gateway tests.</p><a href="docs/">docs</a></body></html>\n'))
  files.set('style.css', Buffer.from('body { font-family: serif; color: #333 }\n'))
  files.set('media/big.bin', pseudoRandomBytes(BIG_FILE_SIZE))
  files.set('media/clip.mp4', pseudoRandomBytes(300_000, 7))
  files.set('empty.txt', Buffer.alloc(0))
  files.set('docs/readme.txt', Buffer.from('Read me.\n'))
  files.set('docs/<img src=x onerror=alert(1)>.txt', Buffer.from('escaped\n'))
  files.set('docs/ünïcödé & more.txt', Buffer.from('unicode\n'))
  files.set('docs/sub/deep.txt', Buffer.from('deep\n'))
  files.set('noext', Buffer.from('no extension\n'))
  files.set('broken/half.bin', pseudoRandomBytes(1024 * 1024, 3)) // read fails halfway (see failures)
  return files
}

type Failure = { code: string, when: 'stat' | 'read' }

export class FakeSiteContent implements SiteContent {
  readonly files: Map<string, Buffer>
  readonly reference: string
  readonly failures = new Map<string, Failure>()
  readsStarted = 0
  readsFinished = 0
  readsAborted = 0
  activeReads = 0
  /** Reads asked for with `transient` (each chunk yielded in one reused buffer). */
  transientReads = 0

  constructor (reference = FAKE_REFERENCE, files = fakeSiteFiles()) {
    this.reference = reference
    this.files = files
    this.failures.set('unreachable.txt', { code: 'CONTENT_UNREACHABLE', when: 'stat' })
    this.failures.set('timeout.txt', { code: 'CONTENT_TIMEOUT', when: 'stat' })
    this.failures.set('broken/half.bin', { code: 'CONTENT_UNREACHABLE', when: 'read' })
  }

  private check (reference: string, path: string, when: Failure['when']): void {
    if (reference !== this.reference) throw new TornetError('CONTENT_UNREACHABLE', 'No provider answered for this reference.')
    const failure = this.failures.get(path)
    if (failure !== undefined && failure.when === when) throw new TornetError(failure.code, `Injected failure for ${path}.`)
  }

  private isDirectory (path: string): boolean {
    if (path === '') return true
    for (const name of this.files.keys()) if (name.startsWith(path + '/')) return true
    return false
  }

  async stat (reference: string, path: string): Promise<ContentStat> {
    await new Promise(resolve => setImmediate(resolve))
    this.check(reference, path, 'stat')
    const file = this.files.get(path)
    if (file !== undefined) return { kind: 'file', size: file.length, etag: sha256Hex(file) }
    if (this.isDirectory(path)) {
      const names = [...this.files.keys()].filter(n => path === '' || n.startsWith(path + '/')).sort().join('\n')
      return { kind: 'directory', etag: createHash('sha256').update(`dir:${path}\n${names}`).digest('hex') }
    }
    if (this.failures.has(path)) return { kind: 'file', size: 10, etag: 'failing' }
    throw new TornetError('CONTENT_NOT_FOUND', `No file or directory ${path}.`)
  }

  async * list (reference: string, path: string): AsyncIterable<DirectoryEntry> {
    this.check(reference, path, 'stat')
    const prefix = path === '' ? '' : path + '/'
    const seen = new Set<string>()
    for (const [name, bytes] of this.files) {
      if (!name.startsWith(prefix)) continue
      const rest = name.slice(prefix.length)
      const slash = rest.indexOf('/')
      const entryName = slash < 0 ? rest : rest.slice(0, slash)
      if (seen.has(entryName)) continue
      seen.add(entryName)
      yield slash < 0 ? { name: entryName, kind: 'file', size: bytes.length } : { name: entryName, kind: 'directory', size: 0 }
    }
  }

  /**
   * With `transient`, as the real content layer may: every chunk is yielded in one buffer,
   * scribbled over (0xEE) once the consumer asks for the next. A consumer that still had the
   * previous chunk queued somewhere sends garbage, which the byte-exact checks catch.
   */
  async * read (reference: string, path: string, range: ByteRange | undefined, signal?: AbortSignal,
    opts: { transient?: boolean } = {}): AsyncIterable<Uint8Array> {
    this.check(reference, path, 'stat')
    const file = this.files.get(path)
    if (file === undefined) throw new TornetError('CONTENT_NOT_FOUND', `No file ${path}.`)
    const failing = this.failures.get(path)?.when === 'read'
    const start = range?.start ?? 0
    const end = range === undefined ? file.length : range.end + 1
    this.readsStarted++
    this.activeReads++
    const scratch = opts.transient === true ? Buffer.alloc(CHUNK) : undefined
    if (scratch !== undefined) this.transientReads++
    let finished = false
    try {
      for (let offset = start; offset < end; offset += CHUNK) {
        await new Promise(resolve => setImmediate(resolve)) // as if each chunk came from the network
        if (signal?.aborted === true) throw signal.reason
        if (failing && offset - start >= (end - start) / 2) {
          throw new TornetError('CONTENT_UNREACHABLE', 'The provider went away mid-file.')
        }
        const piece = file.subarray(offset, Math.min(end, offset + CHUNK))
        if (scratch === undefined) {
          yield piece
          continue
        }
        piece.copy(scratch)
        yield scratch.subarray(0, piece.length)
        scratch.fill(0xee)
      }
      finished = true
    } finally {
      this.activeReads--
      if (finished) this.readsFinished++
      else this.readsAborted++
    }
  }
}

type FakeRecord = ResolveTarget | { error: string } | 'hang'

export class FakeResolver implements Resolver {
  readonly records = new Map<string, FakeRecord>()
  calls = 0

  constructor (reference = FAKE_REFERENCE) {
    const site: ResolveTarget = { kind: 'content', reference }
    this.records.set(`${reference}.tor-net`, site)
    this.records.set('site.tor-net', site)
    this.records.set('site.bit', site)
    this.records.set('docs.tor-net', { kind: 'content', reference, path: 'docs' })
    this.records.set('tornet.tor-net', { kind: 'gateway' })
    this.records.set('onion.bit', { kind: 'unsupported', network: 'tor', address: 'abcdefghijklmnop.onion', message: '' })
    this.records.set('local.bit', { kind: 'clearnet', host: 'local.bit', addresses: ['127.0.0.1'] })
    this.records.set('box.tor-net', { kind: 'mailbox', publicKey: 'ab'.repeat(32) })
    this.records.set('expired.bit', { error: RESOLVE_ERRORS.expired })
    this.records.set('slow.tor-net', { error: RESOLVE_ERRORS.timeout })
    this.records.set('down.tor-net', { error: RESOLVE_ERRORS.unavailable })
    this.records.set('hang.tor-net', 'hang')
  }

  async resolve (host: string, opts?: { signal?: AbortSignal }): Promise<ResolveTarget> {
    this.calls++
    await new Promise(resolve => setImmediate(resolve))
    const record = this.records.get(host)
    if (record === 'hang') {
      // Never answers on its own; only the caller's signal ends the wait.
      return await new Promise((_resolve, reject) => {
        opts?.signal?.addEventListener('abort', () => reject(opts.signal?.reason), { once: true })
      })
    }
    if (record === undefined) {
      if (host.endsWith('.tor-net') || host.endsWith('.bit')) throw new TornetError(RESOLVE_ERRORS.notFound, `No record for ${host}.`)
      throw new TornetError(RESOLVE_ERRORS.notTornet, `${host} is not a Tornet name.`)
    }
    if ('error' in record) throw new TornetError(record.error, `Injected ${record.error} for ${host}.`)
    return record
  }
}

export function createFakeNetwork (): { content: FakeSiteContent, resolver: FakeResolver, files: Map<string, Buffer> } {
  const content = new FakeSiteContent()
  return { content, resolver: new FakeResolver(), files: content.files }
}
