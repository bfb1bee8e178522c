import { setMaxListeners } from 'node:events'
import {
  TornetError, configPath, createNode, isTornetError, loadConfig, parseEndpoint, pathMtuCeiling,
  type TornetConfig, type TornetNode
} from '../node/index.js'
import { BOOTSTRAP_ENV } from './bootstrap-option.js'
import type { CliContext } from './command.js'
import { CommandErrorCode, commandError } from './command-errors.js'
import { identityOrCreate } from './identity-mining.js'
import { isWildcardHost, localAddressToward } from './local-address.js'

/**
 * How a one-shot command (publish, get, kv, lookup…) reaches the network: it runs the node
 * of the data directory for the length of the command, with the node's own identity and
 * store, but on an ephemeral UDP port, so it never collides with a configured listen port.
 * A data directory without an identity gets one first (config identityRank, mined with the
 * progress line), so a newcomer's first command works. --bootstrap / $TORNET_BOOTSTRAP
 * (ctx.bootstrap) replace config "bootstrap" for the run.
 *
 *   required  join through config "bootstrap" and the remembered peers; fail clearly if none answers
 *   optional  try to join; go on with the local store alone when none answers (get, ls, pin, peers)
 *   local     no join; the services run on the local store alone (unpin)
 *   none      open the node's store only: no join, no services (store)
 *
 * The store admits one process: while `tornet start` runs, a command cannot open it, and says
 * to stop that node or use its dashboard.
 */
export type NetworkNeed = 'required' | 'optional' | 'local' | 'none'

export interface SessionOptions {
  network?: NetworkNeed
  /** Keep pre-built circuits ready (NodeInit.preemptiveCircuits): commands that serve hidden services. */
  preemptiveCircuits?: boolean
}

export interface NodeSession {
  /** Peers that answered the join (0 offline), and contacts in the table afterwards. */
  reached: number
  contacts: number
  online: boolean
}

export async function withNode<T> (
  ctx: CliContext,
  fn: (node: TornetNode, session: NodeSession) => Promise<T>,
  opts: SessionOptions = {}
): Promise<T> {
  const need = opts.network ?? 'required'
  // Ctrl-C's signal is passed to every request of the command (an announce alone sends k at a
  // time, several chunks at once), so dozens of listeners on it are normal, not a leak.
  setMaxListeners(0, ctx.signal)
  const config = loadConfig({ dataDir: ctx.dataDir, flags: { bootstrap: ctx.bootstrap } })
  const identity = await identityOrCreate(ctx, config.identityRank)
  const host = await listenHost(config)
  let node: TornetNode
  try {
    node = await createNode({
      dataDir: ctx.dataDir,
      identity,
      config: { ...config, listen: { host, port: 0 } },
      link: { probeMtu: pathMtuCeiling({ ipv6: host.includes(':') }) },
      log: (level, message) => { if (level === 'warn') ctx.stderr.write(`warning: ${message}\n`) },
      preemptiveCircuits: opts.preemptiveCircuits
    })
  } catch (err) {
    if (isTornetError(err, CommandErrorCode.STORE_LOCKED)) throw lockedError(ctx.dataDir, config, err)
    throw err
  }
  try {
    let session: NodeSession = { reached: 0, contacts: 0, online: false }
    if (need === 'required' || need === 'optional') session = await join(node, ctx, config, need)
    if (need !== 'none') node.start()
    return await fn(node, session)
  } catch (err) {
    throw interruptedOr(err, ctx.signal)
  } finally {
    await node.stop()
  }
}

/** A wildcard listen host becomes the address that routes to the first bootstrap peer. */
async function listenHost (config: TornetConfig): Promise<string> {
  if (!isWildcardHost(config.listen.host)) return config.listen.host
  for (const text of config.bootstrap) {
    const e = parseEndpoint(text)
    if (e === undefined) continue
    const local = await localAddressToward(e)
    if (local !== undefined) return local
  }
  return config.listen.host
}

async function join (node: TornetNode, ctx: CliContext, config: TornetConfig, need: NetworkNeed): Promise<NodeSession> {
  const n = config.bootstrap.length
  ctx.stderr.write(`joining through ${n} bootstrap peer${n === 1 ? '' : 's'} and the peers remembered from earlier runs…\n`)
  try {
    const report = await node.bootstrap([], { signal: ctx.signal })
    ctx.stderr.write(`joined: ${report.reached} answer${report.reached === 1 ? '' : 's'} from bootstrap and remembered peers, ` +
      `${report.contacts} contact${report.contacts === 1 ? '' : 's'} in the routing table\n`)
    return { ...report, online: true }
  } catch (err) {
    if (ctx.signal.aborted) throw interruptedOr(err, ctx.signal)
    if (need === 'required') {
      throw commandError(CommandErrorCode.NO_PEERS,
        `no peer answered${n === 0 ? ' (the bootstrap list is empty and no peers are remembered)' : ` (tried ${config.bootstrap.join(', ')} and the remembered peers)`}. ` +
        'Give a reachable peer with --bootstrap HOST:PORT (or $' + BOOTSTRAP_ENV + '), or list peers in "bootstrap" in ' +
        `${configPath(ctx.dataDir)}, e.g. "bootstrap": ["198.51.100.7:9151"]; to try Tornet on this machine alone, ` +
        'run `npm start` (the demo network) and use the command it prints', err)
    }
    ctx.stderr.write('no peer answered: working with the local store only\n')
    return { reached: 0, contacts: 0, online: false }
  }
}

function lockedError (dataDir: string, config: TornetConfig, cause: unknown): TornetError {
  const dashboard = `http://${config.gateway.host}:${config.gateway.port}/`
  return commandError(CommandErrorCode.STORE_LOCKED,
    `the store in ${dataDir} is in use by a running node (\`tornet start\`). ` +
    `Stop \`tornet start\` first, or use the dashboard at ${dashboard} (it publishes and shows peers and storage too). ` +
    `Details: ${(cause as Error).message}`, cause)
}

/** Ctrl-C surfaces from deep inside as AbortErrors of many kinds: report it as one thing. */
function interruptedOr (err: unknown, signal: AbortSignal): unknown {
  if (!signal.aborted || isTornetError(err, CommandErrorCode.INTERRUPTED)) return err
  if (isTornetError(err) && /ABORT/.test(err.code)) return commandError(CommandErrorCode.INTERRUPTED, 'interrupted', err)
  if (!isTornetError(err)) return commandError(CommandErrorCode.INTERRUPTED, 'interrupted', err)
  return err
}
