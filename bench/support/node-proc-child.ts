import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig, type TornetConfig } from '../../src/node/config.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { createNode, type TornetNode } from '../../src/node/node.js'
import type { Endpoint } from '../../src/node/types.js'
import { TUNNEL_SERVICE } from '../../src/node/services/tunnels/tunnel-api.js'
import { makeNode, type TestNode } from '../../test/helpers/link-testnet.js'
import { createUdpTransport } from '../../src/node/transport/udp.js'
import { fetchBlob, serveBlob, writeBlob } from '../../test/helpers/tunnel-blob.js'

/**
 * One node of a multi-process benchmark network (bench/support/node-procs.ts
 * forks it): either a whole Tornet node (`init-node`, with the `blob` tunnel
 * service, as bench/tunnel.ts's in-process network) or a bare link node
 * (`init-link`, the direct-stream baseline). The parent drives it over the
 * IPC channel: { id, cmd, args } → { id, ok, result | error }; a bare link
 * node that received a whole direct stream says { event: 'direct-end' }.
 */
interface Request { id: number, cmd: string, args: Record<string, unknown> }

let node: TornetNode | undefined
let link: TestNode | undefined
let dir: string | undefined

function cpuMs (): number {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
function now (): number {
  return performance.timeOrigin + performance.now()
}

function send (msg: unknown): void {
  process.send?.(msg)
}

const handlers: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
  'init-node': async (args) => {
    dir = mkdtempSync(join(tmpdir(), 'tornet-proc-'))
    const config: TornetConfig = { ...defaultConfig(), minRank: 0, allowPrivateEndpoints: true, credit: { factor: 1000 }, listen: { host: '127.0.0.1', port: 0 } }
    const probeMtu = args.probeMtu as number | undefined
    node = await createNode({ dataDir: dir, config, identity: generateIdentity(), link: probeMtu === undefined ? undefined : { probeMtu } })
    serveBlob(node.tunnels)
    return { endpoint: node.endpoint, id: node.identity.id.toString('hex') }
  },
  bootstrap: async (args) => {
    await need(node).bootstrap([args.seed as Endpoint])
    return null
  },
  refresh: async () => {
    await need(node).refreshRouting().catch(() => {})
    return null
  },
  start: async () => {
    need(node).start()
    return null
  },
  cpu: async () => cpuMs(),
  /** A circuit of `hops` hops, then `bytes` of the exit's blob through it: the transfer's wall ms here (the parent asks each process's CPU itself). */
  fetch: async (args) => {
    const n = need(node)
    const circuit = await n.tunnels.build({ hops: args.hops as number })
    try {
      const hops = (circuit as unknown as { hops: Array<{ id: Buffer }> }).hops.map(h => h.id.toString('hex'))
      const stream = await circuit.openStream('blob')
      const seed = Buffer.from(args.seed as string, 'hex')
      const t0 = performance.now()
      const got = await fetchBlob(stream, seed, args.bytes as number)
      return { ms: performance.now() - t0, bytes: got.bytes, hash: got.hash, hops }
    } finally {
      circuit.close()
    }
  },
  'init-link': async (args) => {
    const probeMtu = args.probeMtu as number | undefined
    link = makeNode(await createUdpTransport({ host: '127.0.0.1', port: 0 }), probeMtu === undefined ? {} : { probeMtu })
    link.link.registerService(TUNNEL_SERVICE, {
      onStream: (_peer, stream) => {
        stream.on('error', () => {})
        stream.on('data', () => {})
        stream.on('end', () => { send({ event: 'direct-end', at: now() }) })
      }
    })
    return { endpoint: link.contact.endpoint, publicKey: Buffer.from(link.contact.publicKey ?? []).toString('hex') }
  },
  /** Writes `bytes` of the blob down one direct link stream to `to` (opened first); resolves, once all is written, with when writing began (the receiver's `direct-end` says when it ended). */
  'direct-send': async (args) => {
    const l = need(link)
    const to = args.to as { endpoint: Endpoint, publicKey: string }
    const s = await l.link.openStream({ endpoint: to.endpoint, publicKey: Buffer.from(to.publicKey, 'hex') }, TUNNEL_SERVICE)
    s.on('error', () => {})
    const startAt = now()
    await writeBlob(s, Buffer.from(args.seed as string, 'hex'), args.bytes as number)
    return { startAt }
  },
  stop: async () => {
    await node?.stop().catch(() => {})
    await link?.link.close().catch(() => {})
    await link?.transport.close().catch(() => {})
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    node = undefined
    link = undefined
    return null
  }
}

function need<T> (x: T | undefined): T {
  if (x === undefined) throw new Error('this process has no node yet (send init-node or init-link first)')
  return x
}

process.on('message', (msg: Request) => {
  const handler = handlers[msg.cmd]
  if (handler === undefined) { send({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` }); return }
  handler(msg.args ?? {}).then(
    (result) => { send({ id: msg.id, ok: true, result }) },
    (err: unknown) => { send({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }) }
  )
})
process.on('disconnect', () => {
  void handlers.stop({}).finally(() => process.exit(0))
})
