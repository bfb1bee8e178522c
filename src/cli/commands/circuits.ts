import { request } from 'node:http'
import { parseArgs } from 'node:util'
import { formatHostPort, loadConfig, parseEndpoint } from '../../node/index.js'
import type { Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { usageError } from '../errors.js'
import { formatDuration } from '../format.js'
import { formatBytes } from '../format-bytes.js'
import { formatTable } from '../text-table.js'
import { CIRCUITS_API_PATH, hopsText, type CircuitsReport } from '../../gateway/apps/tunnels/index.js'

const TIMEOUT_MS = 5_000
const MAX_REPORT_BYTES = 4 * 1024 * 1024

export const circuitsCommand: Command = {
  name: 'circuits',
  summary: 'show the running node\'s onion circuits (hops by rank) and hidden services',
  usage: `Usage: tornet circuits [--gateway HOST:PORT] [--json]

Asks the running node (tornet start, or npm start) through its gateway for
  - the circuits it built: purpose, isolation tag, state, hops by rank (never addresses),
    age, bytes in and out, open streams;
  - what it carries as a relay (circuits, cells forwarded and dropped);
  - the hidden services it runs: name, address by key, local server, intro points by rank.
Circuits live in the running node only, so this command starts no node of its own.

Options:
  --gateway HOST:PORT   the running node's gateway (default: config.json's gateway, 127.0.0.1:9150)
  --json                print the report as JSON (the gateway's ${CIRCUITS_API_PATH})
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { gateway: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false })
    let address: { host: string, port: number }
    if (values.gateway !== undefined) {
      const endpoint = parseEndpoint(values.gateway)
      if (endpoint === undefined) throw usageError(`--gateway must be HOST:PORT, not "${values.gateway}"`)
      address = { host: endpoint.address, port: endpoint.port }
    } else {
      address = loadConfig({ dataDir: ctx.dataDir }).gateway
    }
    const authority = formatHostPort(address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host, address.port)
    const text = await fetchReport(authority, ctx.signal)
    if (values.json === true) {
      ctx.stdout.write(text.endsWith('\n') ? text : text + '\n')
      return
    }
    ctx.stdout.write(renderReport(parseReport(text, authority)))
  }
}

function fetchReport (authority: string, signal: AbortSignal): Promise<string> {
  const url = `http://${authority}${CIRCUITS_API_PATH}`
  return new Promise((resolve, reject) => {
    const req = request(url, { signal, timeout: TIMEOUT_MS, headers: { accept: 'application/json' } }, res => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_REPORT_BYTES) req.destroy(notTornet(authority, 'its answer is too large'))
        else chunks.push(c)
      })
      res.on('end', () => {
        if (res.statusCode !== 200) reject(notTornet(authority, `it answered ${url} with HTTP ${res.statusCode ?? 0}; is it an older Tornet without circuits?`))
        else resolve(Buffer.concat(chunks).toString('utf8'))
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(notTornet(authority, `no answer within ${TIMEOUT_MS / 1000} s`)))
    req.on('error', err => {
      if ((err as { code?: string }).code === 'ECONNREFUSED') {
        reject(commandError(CommandErrorCode.NO_RUNNING_NODE,
          `No Tornet node is running with its gateway at ${authority}. Circuits exist only in a running node: start one with ` +
          '"tornet start" (or "npm start" for the demo), or name its gateway with --gateway HOST:PORT.'))
      } else {
        reject(err)
      }
    })
    req.end()
  })
}

function notTornet (authority: string, why: string): Error {
  return commandError(CommandErrorCode.NO_RUNNING_NODE, `The gateway at ${authority} did not give a circuits report: ${why}.`)
}

/** The report, checked for the fields this command prints (the JSON comes over a socket). */
export function parseReport (text: string, authority: string): CircuitsReport {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw notTornet(authority, 'its answer is not JSON')
  }
  const r = value as Partial<CircuitsReport> | null
  const ok = r !== null && typeof r === 'object' && typeof r.now === 'number' && Array.isArray(r.circuits) && Array.isArray(r.hidden) &&
    r.circuits.every(c => typeof c?.id === 'string' && typeof c.purpose === 'string' && typeof c.state === 'string' && Array.isArray(c.hops) &&
      c.hops.every(h => typeof h?.rank === 'number') && typeof c.createdAt === 'number' && typeof c.bytesIn === 'number' &&
      typeof c.bytesOut === 'number' && typeof c.streams === 'number') &&
    r.hidden.every(s => typeof s?.name === 'string' && typeof s.host === 'string' && typeof s.target?.host === 'string' &&
      typeof s.target.port === 'number' && Array.isArray(s.introPoints) && typeof s.introductions === 'number' && typeof s.refused === 'number')
  if (!ok) throw notTornet(authority, 'the report is not in the form this version reads')
  return r as CircuitsReport
}

export function renderReport (report: CircuitsReport): string {
  const open = report.circuits.filter(c => c.state === 'open').length
  let out = `circuits: ${report.circuits.length}${report.circuits.length === 0 ? '' : ` (${open} open)`}\n`
  if (report.circuits.length > 0) {
    const rows = report.circuits.map(c => [
      c.id.slice(0, 8), c.purpose, c.state, hopsText(c), formatDuration(Math.max(0, report.now - c.createdAt) / 1000),
      formatBytes(c.bytesIn), formatBytes(c.bytesOut), String(c.streams), c.isolation === undefined || c.isolation === '' ? '-' : c.isolation
    ])
    out += formatTable(['id', 'purpose', 'state', 'hops (by rank)', 'age', 'in', 'out', 'streams', 'isolation'], rows, ['age', 'in', 'out', 'streams'])
  }
  if (report.stats !== null && report.stats !== undefined) {
    out += `\nas a relay: ${report.stats.circuitsRelayed} circuits carried, ${report.stats.cellsForwarded} cells forwarded, ${report.stats.cellsDropped} dropped\n`
  }
  out += `\nhidden services: ${report.hidden.length}\n`
  if (report.hidden.length > 0) {
    const rows = report.hidden.map(s => [
      `${s.name}.tor-net`, s.host, `${s.target.host}:${s.target.port}`,
      s.introPoints.length === 0 ? 'none yet' : s.introPoints.map(p => String(p.rank)).join(','),
      String(s.introductions), String(s.refused), s.powRequired ? 'pow asked' : 'open'
    ])
    out += formatTable(['name', 'address', 'serves', 'intro ranks', 'introductions', 'refused', 'state'], rows, ['introductions', 'refused'])
  }
  return out
}
