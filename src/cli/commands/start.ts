import { parseArgs } from 'node:util'
import { createNode, isTornetError, loadConfig } from '../../node/index.js'
import type { Command } from '../command.js'
import { intFlag } from '../flags.js'
import { identityOrCreate } from '../identity-mining.js'
import { headerSyncLine } from '../serve/header-sync-line.js'
import { serveGateway } from '../serve/serve-gateway.js'
import { browserInstructions, waitForStop } from '../serve/instructions.js'

export const startCommand: Command = {
  name: 'start',
  summary: 'run this node: join the network and serve the gateway',
  joinsNetwork: true,
  usage: `Usage: tornet start [--port UDP_PORT] [--gateway-port PORT] [--bootstrap HOST:PORT ...]

Runs one Tornet node from the data directory: its UDP socket (config listen, default 0.0.0.0:9151),
the peers in config "bootstrap" plus those remembered from the last run, and the gateway on
127.0.0.1:9150. --bootstrap (or $TORNET_BOOTSTRAP) replaces config "bootstrap" for this run.
Without an identity, mines one first (identityRank in config.json). Stop with Ctrl-C.
`,
  async run (argv, ctx) {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, 'gateway-port': { type: 'string' } },
      strict: true,
      allowPositionals: false
    })
    const config = loadConfig({
      dataDir: ctx.dataDir,
      flags: {
        listen: values.port === undefined ? undefined : { port: intFlag('--port', values.port, 0, 65535) },
        gateway: values['gateway-port'] === undefined ? undefined : { port: intFlag('--gateway-port', values['gateway-port'], 0, 65535) },
        bootstrap: ctx.bootstrap
      }
    })
    const identity = await identityOrCreate(ctx, config.identityRank)
    const node = await createNode({ dataDir: ctx.dataDir, config, identity, log: (level, msg) => { if (level !== 'debug') ctx.stderr.write(`${level}: ${msg}\n`) } })
    try {
      ctx.stderr.write(`node ${node.identity.id.toString('hex').slice(0, 16)}… (rank ${node.identity.rank}) on udp ${node.endpoint.address}:${node.endpoint.port}\n`)
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
      ctx.stdout.write(browserInstructions(served.gateway.url, ['http://<name>.tor-net/']))
      await waitForStop(ctx.signal)
      await served.close()
    } finally {
      await node.stop()
    }
  }
}
