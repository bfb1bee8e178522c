import type { NamecoinPanelData } from '../../gateway/apps/dashboard/namecoin-section.js'
import { ElectrumxSource, NamecoinRpcSource, type NamecoinResolver } from '../../resolvers/namecoin/index.js'

/** The .bit resolver's backend state as the dashboard panel (and `tornet resolve`) show it. */
export function namecoinPanelData (resolver: NamecoinResolver): NamecoinPanelData {
  const backend = resolver.backend
  if (backend instanceof ElectrumxSource) {
    const s = backend.status()
    return {
      backend: `ElectrumX, ${s.servers.length} server${s.servers.length === 1 ? '' : 's'}, asked two at a time (different operators)`,
      proof: s.proof,
      servers: s.servers,
      verifiedTip: s.verifiedTip,
      reportedTip: s.reportedTip,
      lastFailure: s.lastFailure,
      pinsFile: s.pinsFile,
      headerSync: s.headerSync
    }
  }
  if (backend instanceof NamecoinRpcSource) return { backend: 'Namecoin Core (JSON-RPC)', proof: 'trusted', servers: [] }
  return { backend: 'custom', proof: 'unverified', servers: [] }
}
