import { createGateway, type Gateway, type GatewayLog } from '../../gateway/index.js'
import { installDashboard, type Dashboard } from '../../gateway/apps/dashboard/index.js'
import { installRadio, stationsSection, type RadioService } from '../../gateway/apps/radio/index.js'
import { installMail, mailSection } from '../../gateway/apps/mail/index.js'
import { installHidden } from '../../gateway/apps/hidden/index.js'
import { installTunnelsPages } from '../../gateway/apps/tunnels/index.js'
import { installSearch } from '../../gateway/apps/search/index.js'
import { creditSection } from '../../gateway/apps/credit/credit-section.js'
import { MAX_HOPS, tagWord, type TornetNode } from '../../node/index.js'
import { nodeDashboardPort } from './node-dashboard-port.js'
import { namecoinSection } from '../../gateway/apps/dashboard/namecoin-section.js'
import { ElectrumxSource, type NamecoinResolver } from '../../resolvers/namecoin/index.js'
import { namecoinPanelData } from './namecoin-status.js'
import { bitMailboxResolver } from './bit-mailbox.js'
import { startServerListRefresh } from './namecoin-server-refresh.js'
import { nodeResolvers, type NodeResolverOptions } from './node-resolver.js'
import { PublishedList } from './published-list.js'

/**
 * A node's gateway: the mixed SOCKS5/HTTP port with the sites app reading the
 * node's content, the resolver chain, the dashboard, the radio and the
 * webmail. New apps register on `gateway.router` / `gateway.local` here.
 */
export interface ServedGateway {
  gateway: Gateway
  dashboard: Dashboard
  published: PublishedList
  /** The .bit resolver (its backend's status feeds the dashboard's Namecoin panel). */
  namecoin: NamecoinResolver
  close (): Promise<void>
}

export interface ServeGatewayOptions extends NodeResolverOptions {
  host?: string
  port?: number
  passThrough?: boolean
  log?: GatewayLog
  /**
   * Connect to the Namecoin ElectrumX servers now and start the header sync in the background
   * (a running node: the first .bit page is then proven at once). Off by default, so tests and
   * short-lived gateways dial nobody until a .bit name is asked for.
   */
  warmNamecoin?: boolean
}

export async function serveGateway (node: TornetNode, opts: ServeGatewayOptions = {}): Promise<ServedGateway> {
  const { host: _host, port: _port, passThrough: _passThrough, log: _log, warmNamecoin, ...namecoinContext } = opts
  const { chain: resolver, namecoin } = nodeResolvers(node, namecoinContext)
  const gateway = await createGateway({
    host: opts.host ?? node.config.gateway.host,
    port: opts.port ?? node.config.gateway.port,
    passThrough: opts.passThrough ?? node.config.gateway.passThrough,
    resolver,
    content: node.content,
    // gateway.tunnelHops, or a `tornet-hops-N` proxy user name: sites read through a circuit per user name.
    anonymous: { defaultHops: node.config.gateway.tunnelHops ?? 0, maxHops: MAX_HOPS, contentFor: (hops, isolation) => node.anonymousContent(hops, isolation) },
    log: opts.log,
    // Uploads through the dashboard may take long: node's whole-request timeout is off, and request
    // bodies are bounded instead by the gateway's minimum body rate and each route's body deadline
    // (the upload route's is an hour; every other route's the gateway's bodyTimeoutMs).
    limits: { requestTimeoutMs: 0 }
  })
  const published = new PublishedList(node)
  const dashboard = installDashboard(gateway.local, nodeDashboardPort(node, gateway.url, published))
  installRadio(gateway, { radio: node.radio, resolveHost: async (host, signal) => await resolver.resolve(host, { signal }) })
  // The webmail at /mail/ and http://mail.tor-net/ (one token guards all the gateway's forms).
  installMail(gateway, { mail: node.mail, token: dashboard.token })
  // http://search.tor-net/: queries over the indexes of the builders in config search.trust, and tag pages.
  installSearch(gateway, {
    search: {
      search: async (query, o) => await node.search.search(query, o),
      taggedWith: async (word, o) => await node.search.taggedWith(word, o),
      tagWord
    }
  })
  // Hidden-service hosts (NAME.tor-net registered to a service key, or the key's own host) go over circuits.
  const hidden = installHidden(gateway, { hidden: { connect: async (key, o) => await node.hidden.connect(key, o) } })
  // Circuits (ranks only) and hidden services: the dashboard panel and /api/circuits for `tornet circuits`.
  installTunnelsPages(gateway, dashboard, {
    circuits: () => node.tunnels.circuits(),
    stats: () => node.tunnels.stats(),
    hiddenServices: () => node.hidden.list()
  })
  dashboard.registerSection(mailSection(node.mail))
  dashboard.registerSection(stationsSection(node.radio))
  dashboard.registerSection(namecoinSection(() => namecoinPanelData(namecoin)))
  // Books with every peer (what `tornet ledger` prints), with a payment QR for the peers this node owes.
  dashboard.registerSection(creditSection({ report: () => node.ledger({ top: 10 }), satsPerMB: node.accounting.config.satsPerMB }))
  if (warmNamecoin === true && namecoin.backend instanceof ElectrumxSource) namecoin.backend.warmUp()
  // At most once a day, the ElectrumX server list in the data directory is refreshed from a connected server.
  const refresher = startServerListRefresh(namecoin, node.config.namecoin, opts.dataDir)
  // NAME@bit mail addresses are looked up through this gateway's Namecoin resolver while it runs.
  node.mail.useBitResolver(bitMailboxResolver(namecoin.backend))
  return {
    gateway,
    dashboard,
    published,
    namecoin,
    close: async () => { node.mail.useBitResolver(undefined); await refresher?.stop(); await namecoin.close(); await gateway.close(); hidden.close() }
  }
}
