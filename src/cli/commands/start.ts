import { parseArgs } from 'node:util'
import { createNode, isTornetError, loadConfig, pathMtuCeiling } from '../../node/index.js'
import type { Command } from '../command.js'
import { intFlag } from '../flags.js'
import { identityOrCreate } from '../identity-mining.js'
import { headerSyncLine } from '../serve/header-sync-line.js'
import { reportReachability } from '../serve/reachability-line.js'
import { startPortMapping } from '../serve/port-mapping.js'
import { serveGateway } from '../serve/serve-gateway.js'
import { browserInstructions, waitForStop } from '../serve/instructions.js'
import { startMailBridge, mailClientSettings, mailClientsSection, DEFAULT_IMAP_PORT, DEFAULT_SMTP_PORT, type BridgeMail, type MailBridge } from '../../gateway/mail-bridge/index.js'
import { usageError } from '../errors.js'

export const startCommand: Command = {
  name: 'start',
  summary: 'run this node: join the network and serve the gateway',
  joinsNetwork: true,
  usage: `Usage: tornet start [--port UDP_PORT] [--gateway-port PORT] [--bootstrap HOST:PORT ...]
                    [--mail-bridge [--smtp-port PORT] [--imap-port PORT]]

Runs one Tornet node from the data directory: its UDP socket (config listen, default 0.0.0.0:9151),
the peers in config "bootstrap" plus those remembered from the last run, and the gateway on
127.0.0.1:9150. --bootstrap (or $TORNET_BOOTSTRAP) replaces config "bootstrap" for this run.
Without an identity, mines one first (identityRank in config.json). Stop with Ctrl-C.
--mail-bridge also opens an SMTP submission port (default ${DEFAULT_SMTP_PORT}) and an IMAP port
(default ${DEFAULT_IMAP_PORT}) on 127.0.0.1 for mail clients such as Thunderbird; it prints the
settings (user = the mailbox address, a password kept in the data directory; see tornet mail bridge).
`,
  async run (argv, ctx) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'gateway-port': { type: 'string' },
        'mail-bridge': { type: 'boolean' },
        'smtp-port': { type: 'string' },
        'imap-port': { type: 'string' }
      },
      strict: true,
      allowPositionals: false
    })
    const bridgeOn = values['mail-bridge'] === true
    if (!bridgeOn && (values['smtp-port'] !== undefined || values['imap-port'] !== undefined)) {
      throw usageError('--smtp-port and --imap-port go with --mail-bridge')
    }
    const smtpPort = values['smtp-port'] === undefined ? DEFAULT_SMTP_PORT : intFlag('--smtp-port', values['smtp-port'], 0, 65535)
    const imapPort = values['imap-port'] === undefined ? DEFAULT_IMAP_PORT : intFlag('--imap-port', values['imap-port'], 0, 65535)
    const config = loadConfig({
      dataDir: ctx.dataDir,
      flags: {
        listen: values.port === undefined ? undefined : { port: intFlag('--port', values.port, 0, 65535) },
        gateway: values['gateway-port'] === undefined ? undefined : { port: intFlag('--gateway-port', values['gateway-port'], 0, 65535) },
        bootstrap: ctx.bootstrap
      }
    })
    const identity = await identityOrCreate(ctx, config.identityRank)
    // Each session searches for the largest datagram its path carries, up to what the interfaces allow
    // (starting at 1,200 bytes, falling back there on a black hole).
    const probeMtu = pathMtuCeiling({ ipv6: config.listen.host.includes(':') })
    const node = await createNode({ dataDir: ctx.dataDir, config, identity, link: { probeMtu }, preemptiveCircuits: true, log: (level, msg) => { if (level !== 'debug') ctx.stderr.write(`${level}: ${msg}\n`) } })
    let mapper: ReturnType<typeof startPortMapping> | undefined
    const recheck = new EventTarget()
    try {
      ctx.stderr.write(`node ${node.identity.id.toString('hex').slice(0, 16)}… (rank ${node.identity.rank}) on udp ${node.endpoint.address}:${node.endpoint.port}\n`)
      // In the background: ask the router to forward the UDP port (config nat.portMapping).
      // A new mapping changes the answer, so the reachability line below checks again at once.
      if (config.nat.portMapping) mapper = startPortMapping(node, (line) => ctx.stderr.write(line + '\n'), { onChange: () => recheck.dispatchEvent(new Event('wake')) })
      try {
        const report = await node.bootstrap([], { signal: ctx.signal })
        ctx.stderr.write(`joined: ${report.reached} bootstrap peer(s) answered, ${report.contacts} contact(s) known\n`)
      } catch (err) {
        if (!isTornetError(err, 'ROUTING_BOOTSTRAP_FAILED') && !isTornetError(err, 'ROUTING_NO_CONTACTS')) throw err
        ctx.stderr.write(`no bootstrap peer answered (${err.message}).\n` +
          `Running as the first node of a network: others join with --bootstrap ${node.contact.endpoint.address}:${node.endpoint.port};\n` +
          'to join an existing network, add its peers with --bootstrap HOST:PORT or "bootstrap" in config.json\n')
      }
      node.start()
      // The Namecoin header sync starts now, with its progress line (the first one, from the
      // shipped checkpoint, takes minutes; later starts resume from the data directory).
      const served = await serveGateway(node, { dataDir: ctx.dataDir, chainParams: ctx.namecoinChain, onHeaderProgress: headerSyncLine(ctx.stderr, ctx.now), warmNamecoin: true })
      let bridge: MailBridge | undefined
      // Whether peers can reach this node (public, behind a NAT that keeps mappings, unreachable).
      const reachability = new AbortController()
      const reporting = reportReachability(node, (line) => ctx.stderr.write(line + '\n'), AbortSignal.any([ctx.signal, reachability.signal]), { wake: recheck })
      try {
        if (bridgeOn) {
          bridge = await startBridge(node, ctx.dataDir, smtpPort, imapPort, (msg) => { ctx.stderr.write(msg + '\n') })
          served.dashboard.registerSection(mailClientsSection(bridge, (node as { mail: BridgeMail }).mail))
        }
        ctx.stdout.write(browserInstructions(served.gateway.url, ['http://<name>.tor-net/']))
        if (bridge !== undefined) {
          const box = await mailboxSoon((node as { mail?: BridgeMail }).mail, ctx.signal)
          ctx.stdout.write('\n' + mailClientSettings(bridge, box?.names[0] ?? box?.address))
        }
        await waitForStop(ctx.signal)
      } finally {
        reachability.abort()
        await reporting
        await bridge?.close()
        await served.close()
      }
    } finally {
      await mapper?.stop()
      await node.stop()
    }
  }
}

/** The bridge on the node's mail; a build or node without mail gets an error saying so. */
async function startBridge (node: object, dataDir: string, smtpPort: number, imapPort: number, log: (msg: string) => void): Promise<MailBridge> {
  const mail = (node as { mail?: BridgeMail }).mail
  if (mail === undefined) throw usageError('--mail-bridge needs mail, which this node does not run')
  return await startMailBridge({ mail, dataDir, smtpPort, imapPort, log })
}

/**
 * The node's mailbox for the settings printout. The mail service reads its keys in the background
 * once started, so a mailbox that exists may take a moment to show; after two seconds there is none.
 */
async function mailboxSoon (mail: BridgeMail | undefined, signal: AbortSignal): Promise<ReturnType<BridgeMail['mailbox']>> {
  for (let waited = 0; mail !== undefined && waited < 2000 && !signal.aborted; waited += 50) {
    const box = mail.mailbox()
    if (box !== undefined) return box
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return mail?.mailbox()
}
