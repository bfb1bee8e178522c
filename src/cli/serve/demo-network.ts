import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  createNode, defaultConfig, hasIdentityFile, loadIdentity, mineIdentity, parseReference, saveIdentity,
  type TornetConfig, type TornetNode
} from '../../node/index.js'
import { writeDemoCliHome } from './demo-cli-home.js'
import { startDemoRadio, type DemoRadio } from './demo-radio.js'
import { startDemoSearch } from './demo-search.js'
import { startDemoMail, type DemoMail } from './demo-mail.js'
import { startDemoHiddenService, type DemoHiddenService } from './demo-hidden-service.js'
import { escapeHtml } from '../../gateway/html.js'
import type { DashboardSection } from '../../gateway/apps/dashboard/port.js'
import { packageRoot } from './package-root.js'
import { registerNameOnce } from './register-name-once.js'
import { serveGateway, type ServeGatewayOptions, type ServedGateway } from './serve-gateway.js'

/**
 * What `npm start` runs: a handful of real nodes on 127.0.0.1 (each with its
 * own identity, LMDB store and UDP socket, in this process), the first one
 * serving the gateway, and the sample site published by another node and
 * registered as welcome.tor-net, and the radio station welcome-radio (see
 * demo-radio.ts) broadcast by the last node; the first node's mailbox gets a
 * welcome mail from another (demo-mail.ts). Data lives in <dataDir>/demo and
 * is reused on the next start.
 */
export interface DemoOptions {
  dataDir: string
  nodes?: number
  gatewayPort?: number
  rank?: number
  nameDifficulty?: number
  /** Mail stamps' difficulty (default: the node's, a few seconds per message). */
  mailDifficulty?: number
  onStep?: (message: string) => void
  signal?: AbortSignal
  /** Peers outside the demo (--bootstrap) that the gateway node joins too; they must accept the demo's rank. */
  bootstrap?: string[]
  /**
   * The gateway's Namecoin side: `config` is config.json's "namecoin" key (default: the shipped
   * ElectrumX servers); header progress, eager header sync, and the chain (tests inject theirs).
   */
  namecoin?: Omit<ServeGatewayOptions, 'host' | 'port' | 'passThrough' | 'log' | 'dataDir'> & { config?: Record<string, unknown> }
}

export interface DemoNetwork {
  nodes: TornetNode[]
  served: ServedGateway
  siteUrl: string
  nameUrl: string
  /** The demo station's address, when this build has the radio service. */
  radioUrl: string | undefined
  /** The gateway node's search index of the sample content is published (http://search.tor-net/ answers). */
  searchReady: boolean
  /** One command that publishes a folder into this network from another terminal. */
  publishCommand: string
  /** The newcomer's mailbox and its welcome mail (being sent in the background). */
  mail: DemoMail
  /** The guestbook hidden service (http://guestbook.tor-net/), served by a node other than the gateway's; undefined when it could not start. */
  hidden: DemoHiddenService | undefined
  close (): Promise<void>
}

export const DEMO_NAME = 'welcome'
/**
 * Nodes `npm start` runs: the guestbook's 3 intro points, plus a visitor's 3-hop circuit to a
 * rendezvous that avoids them, need 8 (with 5, a visit fails for want of relays).
 */
export const DEMO_NODES = 8

export async function startDemoNetwork (opts: DemoOptions): Promise<DemoNetwork> {
  const count = Math.max(2, opts.nodes ?? DEMO_NODES)
  const rank = opts.rank ?? 8
  const step = opts.onStep ?? (() => {})
  const nodes: TornetNode[] = []
  let served: ServedGateway | undefined
  let radio: DemoRadio | undefined
  let hidden: DemoHiddenService | undefined
  let welcome: Promise<void> | undefined
  const mailStop = new AbortController()
  const close = async (): Promise<void> => {
    mailStop.abort() // a welcome still stamping stops, and ends before its nodes do
    await welcome
    await radio?.close()
    await hidden?.close()
    await served?.close()
    await Promise.allSettled(nodes.map(async n => await n.stop()))
  }
  try {
    for (let i = 0; i < count; i++) {
      const dir = join(opts.dataDir, 'demo', `node${i}`)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      if (!hasIdentityFile(dir)) {
        step(`mining a rank-${rank} identity for demo node ${i}`)
        saveIdentity(dir, await mineIdentity({ rank, signal: opts.signal }))
      }
      const config: TornetConfig = {
        ...defaultConfig(),
        listen: { host: '127.0.0.1', port: 0 },
        bootstrap: i === 0 ? (opts.bootstrap ?? []) : [],
        minRank: rank,
        gateway: { host: '127.0.0.1', port: opts.gatewayPort ?? 9150, passThrough: false },
        names: { difficulty: opts.nameDifficulty ?? 16 },
        mail: { difficulty: opts.mailDifficulty ?? defaultConfig().mail.difficulty },
        storage: { cacheBytes: 256 * 1024 * 1024 },
        // The demo nodes all live on 127.0.0.1: they must follow each other's loopback contacts.
        allowPrivateEndpoints: true,
        // The gateway node resolves .bit as the user configured it.
        ...(i === 0 && opts.namecoin?.config !== undefined ? { namecoin: opts.namecoin.config } : {})
      }
      // No loopback-sized datagrams: the demo moves data as a node started by `tornet start` does
      // on an internet path (1,200 bytes), so what it shows is what a user would get.
      nodes.push(await createNode({ dataDir: dir, config, identity: loadIdentity(dir), preemptiveCircuits: true }))
    }
    step(`${count} nodes listening on ${nodes.map(n => `127.0.0.1:${n.endpoint.port}`).join(', ')} (1,200-byte datagrams, as a node started by \`tornet start\` sends)`)
    for (let i = 1; i < count; i++) await nodes[i].bootstrap([nodes[0].endpoint])
    await nodes[0].bootstrap([nodes[1].endpoint])
    for (const n of nodes) n.start()

    // The gateway first, so a port clash is reported before any slow work.
    const { config: _namecoinConfig, ...namecoinContext } = opts.namecoin ?? {}
    served = await serveGateway(nodes[0], { ...namecoinContext, dataDir: opts.dataDir })
    const publisher = nodes[1]
    step('publishing the sample site from demo node 1')
    const site = await publisher.publish(join(packageRoot(), 'sample', 'welcome'), { signal: opts.signal })
    step(`registering ${DEMO_NAME}.tor-net (proof of work at difficulty ${opts.nameDifficulty ?? 16})`)
    await registerNameOnce(publisher, DEMO_NAME, { kind: 'content', value: contentTarget(site.host) }, opts.signal)
    const size = treeSize(join(packageRoot(), 'sample', 'welcome'))
    await served.published.add({ reference: site.host, url: site.url, name: DEMO_NAME, nameUrl: `http://${DEMO_NAME}.tor-net/`, title: 'Welcome to Tornet (sample site, published by demo node 1)', files: size.files, bytes: size.bytes, publishedAt: Date.now() })
    // Search answers at once: the sample site tagged, and indexed by the gateway's node.
    let searchReady = false
    try {
      await startDemoSearch({ builder: nodes[0], tagger: publisher, reference: site.host, host: `${DEMO_NAME}.tor-net`, signal: opts.signal, onStep: step })
      searchReady = true
    } catch (err) {
      if (opts.signal?.aborted === true) throw err
      step(`the search index was not built: ${(err as Error).message}`)
    }
    const mailSignal = opts.signal === undefined ? mailStop.signal : AbortSignal.any([opts.signal, mailStop.signal])
    const mail = await startDemoMail({ newcomer: nodes[0], sender: nodes[1], gatewayUrl: served.gateway.url, signal: mailSignal, onStep: step })
    welcome = mail.welcome
    radio = await startDemoRadio({ keyDir: opts.dataDir, broadcaster: nodes[count - 1], gatewayUrl: served.gateway.url, signal: opts.signal, onStep: step })
    // The guestbook: a hidden service on another node than the gateway's, so every visit crosses circuits.
    try {
      hidden = await startDemoHiddenService({ host: nodes[Math.min(2, count - 1)], signal: opts.signal, onStep: step })
    } catch (err) {
      if (opts.signal?.aborted === true) throw err
      step(`the guestbook hidden service did not start: ${(err as Error).message}`)
    }
    // Demo nodes take a request to cache only from an identity of their rank or higher, and a mined
    // identity often beats its target: the newcomer's identity is mined to the highest demo rank.
    const identityRank = Math.max(rank, ...nodes.map(n => n.identity.rank))
    const cli = writeDemoCliHome(join(opts.dataDir, 'demo'), { rank, identityRank, nameDifficulty: opts.nameDifficulty ?? 16, bootstrap: `127.0.0.1:${nodes[0].endpoint.port}` })
    served.dashboard.registerSection(publishFromTerminalSection(cli.publishCommand))
    return { nodes, served, siteUrl: site.url, nameUrl: `http://${DEMO_NAME}.tor-net/`, radioUrl: radio?.url, publishCommand: cli.publishCommand, mail, hidden, searchReady, close }
  } catch (err) {
    await close()
    throw err
  }
}

/** The dashboard shows the same command `npm start` prints. */
function publishFromTerminalSection (command: string): DashboardSection {
  const html = `<p>Publish a folder into this demo network from another terminal, in the Tornet directory:</p>\n` +
    `<pre><code class="select-all">${escapeHtml(command)}</code></pre>\n` +
    '<p class="hint">It creates an identity on first use, prints the folder\'s address, and waits until two demo nodes hold a copy; open the address through this gateway.</p>'
  return { id: 'terminal', title: 'Publish from a terminal', render: async () => html }
}

function treeSize (dir: string): { files: number, bytes: number } {
  let files = 0
  let bytes = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    files++
    bytes += statSync(join(e.parentPath, e.name)).size
  }
  return { files, bytes }
}

function contentTarget (reference: string): Buffer {
  const ref = parseReference(reference)
  return Buffer.concat([ref.id, ref.key])
}
