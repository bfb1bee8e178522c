/** The circuits report (/api/circuits) from the node's tunnels, and its JSON route on the gateway's own pages. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { keyHost } from '../../../node/index.js'
import { JSON_CONTENT_TYPE, sendNoStore } from '../../no-store-reply.js'
import type { LocalRoute } from '../local.js'
import type { CircuitsReport, TunnelsPort } from './tunnels-port.js'

export const CIRCUITS_API_PATH = '/api/circuits'
/** Rows a report carries at most: a busy relay-origin has few circuits of its own, and the page stays small. */
export const MAX_REPORT_ROWS = 500

export function circuitsReport (port: TunnelsPort, now: number): CircuitsReport {
  const circuits = port.circuits()
    .slice()
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, MAX_REPORT_ROWS)
  const hidden = (port.hiddenServices?.() ?? []).slice(0, MAX_REPORT_ROWS).map(s => ({ ...s, host: hostOf(s.publicKey) }))
  return { now, circuits, stats: port.stats?.() ?? null, hidden }
}

export function circuitsRoute (port: TunnelsPort, now: () => number = Date.now): LocalRoute {
  return {
    path: CIRCUITS_API_PATH,
    handle (req: IncomingMessage, res: ServerResponse): void {
      sendNoStore(req, res, JSON_CONTENT_TYPE, JSON.stringify(circuitsReport(port, now())))
    }
  }
}

function hostOf (publicKeyHex: string): string {
  return /^[0-9a-f]{64}$/.test(publicKeyHex) ? keyHost(Buffer.from(publicKeyHex, 'hex')) : ''
}
