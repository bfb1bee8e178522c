import { parseArgs } from 'node:util'
import { loadConfig } from '../../node/index.js'
import type { Command } from '../command.js'
import { intFlag } from '../flags.js'
import { DEMO_NODES, startDemoNetwork } from '../serve/demo-network.js'
import { headerSyncLine } from '../serve/header-sync-line.js'
import { searchInstructions } from '../serve/demo-search.js'
import { browserInstructions, hiddenServiceInstructions, mailInstructions, publishInstructions, radioInstructions, waitForStop } from '../serve/instructions.js'

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a gateway on an embedded local network with a sample site (what `npm start` runs)',
  joinsNetwork: true,
  usage: `Usage: tornet demo [--nodes N] [--gateway-port PORT]

Starts N real Tornet nodes on 127.0.0.1 (default 8) in this process, publishes the sample site from
one of them, registers it as welcome.tor-net, broadcasts the radio station welcome-radio (the
tunes of sample/radio, looped) from another, gives the first node a mailbox with a welcome mail
from welcome-mail@tor-net, runs a guestbook as the hidden service guestbook.tor-net on a third
(reached only through onion circuits), tags the sample site and builds a search index of it
(http://search.tor-net/), and serves the gateway (SOCKS5 + HTTP proxy, the webmail at
http://mail.tor-net/, the radio at /radio/welcome-radio) from the first on 127.0.0.1:9150. Node data is kept in
<data dir>/demo and reused next time; the station's key is <data dir>/stations/welcome-radio.json.
--bootstrap HOST:PORT makes the gateway node join those peers too (they must accept rank 8).
Stop with Ctrl-C.

Options:
  --nodes N            nodes in the local network, 2-32 (default 8; the guestbook hidden service needs 8:
                       3 intro points, and the visitor's 3-hop circuit to a rendezvous avoids them)
  --gateway-port PORT  gateway port (default 9150; Tor Browser uses 9150 too)
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { nodes: { type: 'string' }, 'gateway-port': { type: 'string' } }, strict: true, allowPositionals: false })
    const demo = await startDemoNetwork({
      dataDir: ctx.dataDir,
      nodes: values.nodes === undefined ? DEMO_NODES : intFlag('--nodes', values.nodes, 2, 32),
      gatewayPort: values['gateway-port'] === undefined ? 9150 : intFlag('--gateway-port', values['gateway-port'], 0, 65535),
      signal: ctx.signal,
      bootstrap: ctx.bootstrap,
      onStep: (m) => ctx.stderr.write(`· ${m}\n`),
      // .bit answers are proven against Namecoin headers: their sync starts now, with a progress line.
      namecoin: { config: loadConfig({ dataDir: ctx.dataDir }).namecoin, chainParams: ctx.namecoinChain, onHeaderProgress: headerSyncLine(ctx.stderr, ctx.now), warmNamecoin: true }
    })
    ctx.stdout.write(browserInstructions(demo.served.gateway.url, [
      `${demo.nameUrl}   the sample site, by its registered name`,
      `${demo.siteUrl}`,
      '    the same site by its content address'
    ], mailInstructions(demo.served.gateway.url, demo.mail.address) +
      (demo.radioUrl === undefined ? '' : radioInstructions(demo.radioUrl)) +
      (demo.searchReady ? searchInstructions() : '') +
      (demo.hidden === undefined ? '' : hiddenServiceInstructions(demo.hidden.url, demo.hidden.keyUrl)) + publishInstructions(demo.publishCommand)))
    await waitForStop(ctx.signal)
    ctx.stderr.write('stopping…\n')
    await demo.close()
  }
}
