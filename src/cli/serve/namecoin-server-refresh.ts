import { ElectrumxSource, ServerListRefresher, namecoinConfigWithDefaults, type NamecoinResolver, type RefreshResult } from '../../resolvers/namecoin/index.js'
import { resolveError } from '../../resolvers/errors.js'
import { RESOLVE_ERRORS } from '../../resolvers/types.js'

/**
 * A running node keeps its ElectrumX server list fresh in the background
 * (server-list-refresh.ts): only with the default list ("servers":
 * "shipped"; a list the user wrote in config.json is theirs), only with a
 * data directory to write to, and only over a connection .bit lookups
 * already opened — a node whose user never opens a .bit site does not
 * contact Namecoin servers for this.
 */
export function startServerListRefresh (namecoin: NamecoinResolver, rawConfig: Record<string, unknown> | undefined, dataDir: string | undefined,
  onResult?: (r: RefreshResult) => void): ServerListRefresher | undefined {
  const backend = namecoin.backend
  if (dataDir === undefined || !(backend instanceof ElectrumxSource)) return undefined
  if (namecoinConfigWithDefaults(rawConfig).electrumx?.servers !== 'shipped') return undefined
  const refresher = new ServerListRefresher({
    dataDir,
    onResult,
    peers: async (signal) => {
      if (!backend.pool.status().some(s => s.state === 'warm')) {
        throw resolveError(RESOLVE_ERRORS.unavailable, 'No ElectrumX server is connected (no .bit name was looked up yet); the list is refreshed once one is.')
      }
      return await backend.peers(signal)
    }
  })
  refresher.start()
  return refresher
}
