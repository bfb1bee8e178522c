/** The tunnels' pages on the gateway: the dashboard panel and /api/circuits. */
import type { Dashboard } from '../dashboard/index.js'
import type { LocalApp } from '../local.js'
import { circuitsRoute } from './circuits-report.js'
import { circuitsSection } from './circuits-section.js'
import type { TunnelsPort } from './tunnels-port.js'

export { CIRCUITS_API_PATH, circuitsReport } from './circuits-report.js'
export { circuitsSection, renderCircuits, hopsText } from './circuits-section.js'
export type { CircuitsReport, TunnelsPort } from './tunnels-port.js'

export function installTunnelsPages (gateway: { local: LocalApp }, dashboard: Dashboard, port: TunnelsPort): void {
  gateway.local.register(circuitsRoute(port))
  dashboard.registerSection(circuitsSection(port))
}
