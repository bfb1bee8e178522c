// One PortMapper (the compiled one in dist/) in a namespace, with only the finders the parent names:
// argv = DIST_REACH_DIR PORT PROTOCOL ("NAT-PMP" or "UPnP-IGD"). Prints each log line as JSON, maps,
// and on a "stop" line on stdin stops (removing the mapping) and exits.
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [dir, port, protocol] = process.argv.slice(2)
const { PortMapper } = await import(pathToFileURL(join(dir, 'port-mapper.js')).href)
const { findPmpGateway, findUpnpGateway } = await import(pathToFileURL(join(dir, 'mapping-gateways.js')).href)
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const mapper = new PortMapper({
  port: Number(port),
  attempts: 1,
  finders: [protocol === 'NAT-PMP' ? findPmpGateway : findUpnpGateway],
  log: (line) => out({ line }),
  onMapped: (e, via) => out({ mapped: `${e.address}:${e.port}`, via })
})
mapper.start()
createInterface({ input: process.stdin }).on('line', async (l) => {
  if (l.trim() !== 'stop') return
  await mapper.stop()
  out({ stopped: true })
  process.exit(0)
})
