import { TORNET_SUFFIX, isReferenceHost, type TornetNode } from '../node/index.js'
import { nodeResolvers, type NodeResolverOptions } from './serve/node-resolver.js'
import { CommandErrorCode, commandError } from './command-errors.js'
import { usageError } from './errors.js'

/**
 * What `tornet get` and `tornet ls` accept, all meaning a place in published content:
 *   http://<ref>.tor-net/path    <ref>.tor-net/path    <ref>/path
 *   http://<name>.tor-net/path   <name>.tor-net/path   (and <name>.bit/path with Namecoin)
 * Parsing is pure; resolving a name needs the node.
 */
export interface ContentAddress {
  /** Lowercase host with its suffix: "<ref>.tor-net", "<name>.tor-net", "<name>.bit". */
  host: string
  /** Percent-decoded path inside the content, without leading or trailing "/" ('' = the root). */
  path: string
  /** True when the host is a content reference (no name lookup needed). */
  isReference: boolean
}

export interface ResolvedAddress {
  reference: string
  path: string
  /** A name for the thing when the path has none: the registered name, or a short reference. */
  label: string
}

export function parseContentAddress (text: string): ContentAddress {
  let s = text.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)
  if (scheme !== null) {
    if (!/^https?$/i.test(scheme[1])) throw usageError(`'${text}': only http:// addresses name Tornet content`)
    s = s.slice(scheme[0].length)
  }
  s = s.replace(/[?#].*$/, '')
  const slash = s.indexOf('/')
  let host = (slash === -1 ? s : s.slice(0, slash)).toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')
  const rawPath = slash === -1 ? '' : s.slice(slash + 1)
  if (host === '') throw usageError(`'${text}' names no content: give a reference, <ref>.tor-net/path or <name>.tor-net/path`)
  let isReference = false
  if (host.endsWith(TORNET_SUFFIX)) {
    isReference = isReferenceHost(host)
  } else if (!host.endsWith('.bit')) {
    if (!isReferenceHost(host)) {
      throw usageError(`'${host}' is neither a content reference (two 56-letter labels) nor a name: ` +
        `write <name>.tor-net for a registered name`)
    }
    host += TORNET_SUFFIX
    isReference = true
  }
  return { host, path: decodePath(rawPath, text), isReference }
}

function decodePath (raw: string, text: string): string {
  const out: string[] = []
  for (const seg of raw.split('/')) {
    if (seg === '') continue
    let s: string
    try { s = decodeURIComponent(seg) } catch { throw usageError(`'${text}': bad percent-encoding in the path`) }
    if (s === '.' || s === '..' || s.includes('/') || s.includes('\0')) throw usageError(`'${text}': the path may not contain "${s}"`)
    out.push(s)
  }
  return out.join('/')
}

/**
 * Looks a name up (references need no lookup) and joins a name's sub-directory with the path.
 * `namecoin.dataDir` keeps .bit certificate pins and verified headers in the data directory, as the
 * gateway does (without it they last for this command).
 */
export async function resolveContentAddress (node: TornetNode, a: ContentAddress, opts: { signal?: AbortSignal, namecoin?: NodeResolverOptions } = {}): Promise<ResolvedAddress> {
  const signal = opts.signal
  const labelOf = (reference: string): string => a.isReference ? reference.slice(0, 16) : a.host.replace(/\.(tor-net|bit)$/, '')
  if (a.isReference) {
    const reference = a.host.slice(0, -TORNET_SUFFIX.length)
    return { reference, path: a.path, label: labelOf(reference) }
  }
  const resolvers = nodeResolvers(node, opts.namecoin)
  let target
  try {
    target = await resolvers.chain.resolve(a.host, { signal })
  } finally {
    await resolvers.namecoin.close()
  }
  if (target.kind !== 'content') {
    throw commandError(CommandErrorCode.NOT_FOUND, `${a.host} names a ${target.kind}, not published content: \`tornet name show ${a.host.replace(/\.tor-net$/, '')}\` shows its target`)
  }
  const prefix = (target.path ?? '').split('/').filter(s => s !== '')
  return { reference: target.reference, path: [...prefix, ...a.path.split('/').filter(s => s !== '')].join('/'), label: labelOf(target.reference) }
}
