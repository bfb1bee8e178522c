import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isTornetError, loadConfig } from '../../node/index.js'
import { ElectrumxSource, NamecoinResolver, isProofError, namecoinConfigWithDefaults, refreshServerList } from '../../resolvers/namecoin/index.js'
import { normaliseHost } from '../../resolvers/resolver-chain.js'
import type { ResolveTarget } from '../../resolvers/types.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { namecoinContextOf } from '../namecoin-context.js'
import { nodeResolver } from '../serve/node-resolver.js'
import { namecoinPanelData } from '../serve/namecoin-status.js'

/**
 * `tornet resolve <host>`: how a host resolves, step by step. A .bit host is
 * looked up without starting a node (only the Namecoin backend is needed);
 * a .tor-net host through a node joined to the network.
 */
export const resolveCommand: Command = {
  name: 'resolve',
  joinsNetwork: true,
  summary: 'show how a .bit or .tor-net host resolves: resolver, backend, servers tried, proof, TTL, target',
  usage: `Usage: tornet resolve <host> [--json]
       tornet resolve --refresh-servers
       tornet resolve --forget-pin HOST:PORT

Resolves <host> (NAME.bit, sub.NAME.bit, NAME.tor-net, <reference>.tor-net) the way the gateway
does and prints which resolver and backend answered, the ElectrumX servers asked and what each
said, whether the answer is proven, how long it is cached, and the final target.

  --json               one JSON object instead of text
  --refresh-servers    ask a reachable ElectrumX server for its peers (server.peers.subscribe) and
                       save the TLS ones with the current list to <data dir>/namecoin-servers.json
                       (a running node does this by itself at most once a day)
  --forget-pin HOST:PORT  forget a server's pinned TLS certificate (after its operator changed it)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, 'refresh-servers': { type: 'boolean' }, 'forget-pin': { type: 'string' } },
      strict: true,
      allowPositionals: true
    })
    const config = loadConfig({ dataDir: ctx.dataDir })
    mkdirSync(ctx.dataDir, { recursive: true })
    const namecoinConfig = namecoinConfigWithDefaults(config.namecoin)
    const namecoinContext = namecoinContextOf(ctx)
    const namecoin = NamecoinResolver.fromConfig(namecoinConfig, {}, namecoinContext)
    try {
      const backend = namecoin.backend
      if (values['forget-pin'] !== undefined) {
        if (!(backend instanceof ElectrumxSource)) throw usageError('--forget-pin applies to the ElectrumX backend, which config.json does not use')
        const had = backend.forgetPin(values['forget-pin'])
        ctx.stdout.write(had ? `forgot the certificate pinned for ${values['forget-pin']}; the next one it shows is pinned\n` : `no certificate was pinned for ${values['forget-pin']} (write it as HOST:PORT, as in the error message)\n`)
        return had ? 0 : 1
      }
      if (values['refresh-servers'] === true) {
        if (!(backend instanceof ElectrumxSource)) throw usageError('--refresh-servers applies to the ElectrumX backend, which config.json does not use')
        const r = await refreshServerList({ dataDir: ctx.dataDir, peers: async (signal) => await backend.peers(signal), force: true, signal: ctx.signal })
        if (r.outcome === 'refreshed') {
          ctx.stdout.write(`${r.server} named ${r.found} TLS server(s), ${r.added} new; ${r.total} saved to ${r.path} (delete it to go back to the shipped list)\n`)
          return
        }
        if (r.outcome === 'empty') {
          ctx.stdout.write(`${r.server} named no usable TLS server; the server list was left as it was. Try again later (another server may answer).\n`)
          return 1
        }
        ctx.stdout.write(`could not refresh the server list: ${r.outcome === 'failed' ? r.message : r.outcome}\n`)
        return 1
      }
      if (positionals.length !== 1) throw usageError('give exactly one host to resolve, e.g. tornet resolve example.bit')
      const host = normaliseHost(positionals[0])
      const started = performance.now()
      if (host.endsWith('.bit')) {
        const report: Record<string, unknown> = { host, resolver: 'namecoin', backend: namecoinConfig.backend }
        try {
          const r = await namecoin.resolveDetailed(host, { signal: ctx.signal })
          const trace = backend instanceof ElectrumxSource ? backend.trace(r.record.name) : undefined
          Object.assign(report, {
            ok: true,
            name: r.record.name,
            height: r.record.height,
            txid: r.record.txid,
            expiresInBlocks: r.record.expiresIn,
            proof: trace?.proof ?? (namecoinConfig.backend === 'rpc' ? { status: 'trusted', detail: 'your Namecoin Core node, trusted as is' } : undefined),
            serversTried: trace?.servers,
            chosen: trace?.chosen,
            disagreement: trace?.disagreement,
            ttlSeconds: Math.round(namecoinConfig.cacheTtlMs / 1000),
            aliases: r.hosts.slice(1),
            warnings: r.warnings,
            target: r.target
          })
        } catch (err) {
          if (!isTornetError(err)) throw err
          const trace = backend instanceof ElectrumxSource ? backend.trace(`d/${host.slice(0, -4).split('.').pop() ?? ''}`) : undefined
          Object.assign(report, { ok: false, error: { code: err.code, message: err.message }, serversTried: trace?.servers })
          if (isProofError(err)) report.proof = { status: 'failed', failedProof: err.code, detail: err.message }
        }
        report.elapsedMs = Math.round(performance.now() - started)
        report.backendStatus = namecoinPanelData(namecoin)
        print(ctx.stdout, report, values.json === true)
        return report.ok === true ? 0 : 1
      }
      return await withNode(ctx, async (node) => {
        const report: Record<string, unknown> = { host, resolver: host.endsWith('.tor-net') ? 'tor-net' : 'none', backend: 'tornet name registry' }
        try {
          report.target = await nodeResolver(node, namecoinContext).resolve(host, { signal: ctx.signal })
          report.ok = true
        } catch (err) {
          if (!isTornetError(err)) throw err
          Object.assign(report, { ok: false, error: { code: err.code, message: err.message } })
        }
        report.elapsedMs = Math.round(performance.now() - started)
        print(ctx.stdout, report, values.json === true)
        return report.ok === true ? 0 : 1
      })
    } finally {
      await namecoin.close()
    }
  }
}

function describeTarget (t: ResolveTarget): string {
  switch (t.kind) {
    case 'content': return `Tornet content ${t.reference}${t.path ?? ''}`
    case 'clearnet': return `ordinary internet host ${t.host}${t.addresses.length > 0 ? ` (${t.addresses.join(', ')})` : ''}`
    case 'unsupported': return `${t.network} address ${t.address}: ${t.message}`
    case 'gateway': return 'this gateway\'s own pages'
    default: return `${t.kind} ${(t as { publicKey?: string }).publicKey ?? ''}`
  }
}

function print (out: { write: (s: string) => unknown }, r: Record<string, unknown>, json: boolean): void {
  if (json) { out.write(JSON.stringify(r, null, 2) + '\n'); return }
  const lines: string[] = [`host       ${String(r.host)}`, `resolver   ${String(r.resolver)} (backend: ${String(r.backend)})`]
  if (r.name !== undefined) lines.push(`name       ${String(r.name)}, last updated in block ${String(r.height)} (tx ${String(r.txid ?? '?')}), expires in ${String(r.expiresInBlocks ?? '?')} blocks`)
  for (const s of (r.serversTried as Array<{ label: string, outcome: string }> | undefined) ?? []) lines.push(`server     ${s.label}: ${s.outcome}`)
  if (r.disagreement !== undefined) lines.push(`disagreed  ${String(r.disagreement)}`)
  const proof = r.proof as { status: string, failedProof?: string, detail: string } | undefined
  if (proof !== undefined) lines.push(`proof      ${proof.status}${proof.failedProof === undefined ? '' : ` (${proof.failedProof})`}: ${proof.detail}`)
  if (r.ttlSeconds !== undefined) lines.push(`ttl        ${String(r.ttlSeconds)} s`)
  if (r.ok === true) lines.push(`target     ${describeTarget(r.target as ResolveTarget)}`)
  else {
    const e = r.error as { code: string, message: string }
    lines.push(`error      ${e.code}: ${e.message}`)
  }
  lines.push(`time       ${String(r.elapsedMs)} ms`)
  out.write(lines.join('\n') + '\n')
}
