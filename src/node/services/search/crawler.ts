import { TORNET_SUFFIX } from '../../constants.js'
import { isReferenceHost, parseReference } from '../content/reference.js'
import { extract, formatOf, type DocumentFormat } from './extract.js'

/**
 * What the index builder reads: every site it can reach from its seeds
 * (registered names, tagged references, what this node published), walked
 * through its directory listings, and the `.tor-net` links inside its HTML
 * and Markdown, followed to other sites (names resolved to references).
 * Bounded: at most `maxDocuments` documents, `maxFilesPerSite` files per site,
 * `maxSites` sites, files of at most `maxFileBytes`. A site or file that fails
 * to load is skipped and counted; a crawl never throws for the network's sake.
 */
export interface CrawlContent {
  stat: (reference: string, path: string, signal?: AbortSignal) => Promise<{ kind: 'file', size: number } | { kind: 'directory' }>
  list: (reference: string, path: string, signal?: AbortSignal) => AsyncIterable<{ name: string, kind: 'file' | 'directory', size: number }>
  read: (reference: string, path: string, range: undefined, signal?: AbortSignal) => AsyncIterable<Uint8Array>
  /** A `.tor-net` name's content reference (base32 labels), or undefined when it names none. */
  resolveName: (name: string, signal?: AbortSignal) => Promise<string | undefined>
}

export interface CrawlSeed {
  /** The reference, as base32 labels (no `.tor-net`). */
  reference: string
  /** The host to show and link (`docs.tor-net`); default `<reference>.tor-net`. */
  host?: string
}

export interface CrawlOptions {
  maxDocuments?: number
  maxFilesPerSite?: number
  maxSites?: number
  maxFileBytes?: number
  /** Files read at once; default 8. */
  concurrency?: number
  signal?: AbortSignal
  onProgress?: (p: CrawlProgress) => void
}

export interface CrawlProgress { sites: number, documents: number, failed: number }

export interface CrawledDocument {
  reference: string
  host: string
  path: string
  title: string
  text: string
}

export interface CrawlResult {
  documents: CrawledDocument[]
  /** Every site crawled, reference → host. */
  sites: Map<string, string>
  failed: number
}

export async function crawl (content: CrawlContent, seeds: readonly CrawlSeed[], opts: CrawlOptions = {}): Promise<CrawlResult> {
  const maxDocuments = opts.maxDocuments ?? 20_000
  const maxFilesPerSite = opts.maxFilesPerSite ?? 5_000
  const maxSites = opts.maxSites ?? 1_000
  const maxFileBytes = opts.maxFileBytes ?? 1 << 20
  const concurrency = opts.concurrency ?? 8
  const signal = opts.signal
  const sites = new Map<string, string>()
  const queue: CrawlSeed[] = []
  const documents: CrawledDocument[] = []
  const resolved = new Map<string, string | undefined>()
  let failed = 0
  const progress = (): void => opts.onProgress?.({ sites: sites.size, documents: documents.length, failed })

  const enqueue = (seed: CrawlSeed): void => {
    const reference = seed.reference.toLowerCase()
    if (sites.has(reference) || sites.size >= maxSites) return
    sites.set(reference, seed.host ?? `${reference}${TORNET_SUFFIX}`)
    queue.push({ reference, host: seed.host })
  }
  for (const s of seeds) enqueue(s)

  const follow = async (link: string, base: string): Promise<void> => {
    let url: URL
    try { url = new URL(link, base) } catch { return }
    if (url.protocol !== 'http:' || !url.hostname.endsWith(TORNET_SUFFIX)) return
    const host = url.hostname
    if (isReferenceHost(host)) {
      try { enqueue({ reference: referenceLabels(host) }) } catch { /* not a reference after all */ }
      return
    }
    const name = host.slice(0, -TORNET_SUFFIX.length)
    if (name.length === 0 || name.includes('.')) return
    if (!resolved.has(name)) {
      resolved.set(name, await content.resolveName(name, signal).catch(() => undefined))
    }
    const reference = resolved.get(name)
    if (reference !== undefined) enqueue({ reference, host })
  }

  while (queue.length > 0 && documents.length < maxDocuments) {
    signal?.throwIfAborted()
    const site = queue.shift()!
    const host = sites.get(site.reference)!
    let files: Array<{ path: string, size: number, format: DocumentFormat }>
    try {
      files = await listFiles(content, site.reference, maxFilesPerSite, maxFileBytes, signal)
    } catch (err) {
      if (signal?.aborted === true) throw err
      failed++
      progress()
      continue
    }
    const links: Array<{ link: string, base: string }> = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < files.length && documents.length < maxDocuments) {
        const f = files[next++]
        try {
          const bytes = await readAll(content, site.reference, f.path, maxFileBytes, signal)
          const doc = extract(bytes, f.format, f.path.length > 0 ? f.path.split('/').pop()! : host)
          if (documents.length >= maxDocuments) return
          documents.push({ reference: site.reference, host, path: f.path, title: doc.title, text: doc.text })
          const base = `http://${host}/${f.path}`
          for (const link of doc.links) links.push({ link, base })
        } catch (err) {
          if (signal?.aborted === true) throw err
          failed++
        }
        if (documents.length % 100 === 0) progress()
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    for (const l of links) {
      if (sites.size >= maxSites) break
      await follow(l.link, l.base)
    }
    progress()
  }
  progress()
  return { documents, sites, failed }
}

/** `<a>.<b>.tor-net` → `<a>.<b>` (checked). */
function referenceLabels (host: string): string {
  parseReference(host)
  return host.slice(0, -TORNET_SUFFIX.length)
}

async function listFiles (content: CrawlContent, reference: string, max: number, maxFileBytes: number, signal?: AbortSignal): Promise<Array<{ path: string, size: number, format: DocumentFormat }>> {
  const root = await content.stat(reference, '', signal)
  if (root.kind === 'file') return root.size <= maxFileBytes ? [{ path: '', size: root.size, format: 'html' }] : []
  const out: Array<{ path: string, size: number, format: DocumentFormat }> = []
  const dirs = ['']
  let seen = 0
  while (dirs.length > 0 && seen < max) {
    const dir = dirs.shift()!
    for await (const e of content.list(reference, dir, signal)) {
      if (++seen > max) break
      const path = dir.length === 0 ? e.name : `${dir}/${e.name}`
      if (e.kind === 'directory') { dirs.push(path); continue }
      const format = formatOf(e.name)
      if (format !== undefined && e.size > 0 && e.size <= maxFileBytes) out.push({ path, size: e.size, format })
    }
  }
  return out
}

async function readAll (content: CrawlContent, reference: string, path: string, max: number, signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const b of content.read(reference, path, undefined, signal)) {
    n += b.length
    if (n > max) throw new RangeError('file grew past its listed size')
    parts.push(Buffer.from(b))
  }
  return Buffer.concat(parts)
}
