import { parseArgs } from 'node:util'
import type { Contact } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { shortHex } from '../format-bytes.js'
import { withNode } from '../node-session.js'
import { formatTable } from '../text-table.js'

export const lookupCommand: Command = {
  name: 'lookup',
  summary: 'find the nodes closest to an id and show the path the lookup took',
  joinsNetwork: true,
  usage: `Usage: tornet lookup <id> [--via KEYHEX@host:port | host:port]

Runs an iterative Kademlia lookup for <id> (64 hex digits: a node id, a chunk id, a key
location) and prints each request as it happens (hop depth, who was asked, what they
answered), then the summary: hops on the path to the closest node, time, nodes asked and
answered, and the closest nodes found with their XOR distance to <id>.

--via PEER  the lookup runs at PEER instead, through a 1-hop circuit (a delegated lookup:
            faster from a peer nearer the backbone; PEER learns what was looked up). PEER is
            its public key and endpoint (tornet id show on that node), or the endpoint of a
            peer this node already knows. Only the closest nodes are printed.
`,
  async run (argv, ctx) {
    const { positionals, values } = parseArgs({ args: argv, options: { via: { type: 'string' } }, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one id to look up')
    const text = positionals[0].toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(text)) throw usageError(`'${positionals[0]}' is not an id: write 64 hex digits`)
    const target = Buffer.from(text, 'hex')
    if (values.via !== undefined) {
      const via = values.via
      await withNode(ctx, async (node) => {
        const started = performance.now()
        const closest = await node.lookupVia(target, via, { signal: ctx.signal })
        ctx.stdout.write(`target     ${text}\nvia        ${via}\ntime       ${(performance.now() - started).toFixed(1)} ms (circuit and lookup)\n\n`)
        printClosest(ctx.stdout, target, closest)
      })
      return
    }
    await withNode(ctx, async (node) => {
      const who = (c: Contact): string => `${shortHex(c.id)} ${c.endpoint.address}:${c.endpoint.port}`
      const result = await node.findNode(target, {
        signal: ctx.signal,
        onProgress: (e) => {
          switch (e.type) {
            case 'query': ctx.stdout.write(`hop ${e.depth}  ask    ${who(e.contact)}\n`); break
            case 'reply': ctx.stdout.write(`hop ${e.depth}  reply  ${who(e.contact)}  ${e.rttMs.toFixed(1)} ms, ${e.newContacts} new contact${e.newContacts === 1 ? '' : 's'}\n`); break
            case 'slow': ctx.stdout.write(`       slow   ${who(e.contact)} (asking others meanwhile)\n`); break
            case 'failure': ctx.stdout.write(`       failed ${who(e.contact)}: ${e.reason}\n`); break
            case 'lying': ctx.stdout.write(`       lying  ${who(e.contact)}: ${e.reason}\n`); break
            case 'value': ctx.stdout.write(`hop ${e.depth}  value  ${who(e.contact)}\n`); break
          }
        }
      })
      ctx.stdout.write(`\ntarget     ${text}\n` +
        `hops       ${result.hops}\n` +
        `time       ${result.foundMs.toFixed(1)} ms to the closest node, ${result.elapsedMs.toFixed(1)} ms in all\n` +
        `nodes      ${result.queried} asked, ${result.answered} answered, ${result.failed} failed, ${result.slow} slow\n\n`)
      printClosest(ctx.stdout, target, result.closest)
    })
  }
}

function printClosest (out: { write: (s: string) => unknown }, target: Buffer, closest: Contact[]): void {
  if (closest.length === 0) {
    out.write('no node answered\n')
    return
  }
  const rows = closest.map((c, i) => {
    const d = xor(c.id, target)
    const bits = log2Floor(d)
    return [String(i + 1), c.id.toString('hex'), `${c.endpoint.address}:${c.endpoint.port}`, bits < 0 ? '0' : `≥ 2^${bits}`, d.toString('hex').slice(0, 16)]
  })
  out.write(`the ${closest.length} closest nodes found:\n`)
  out.write(formatTable(['#', 'id', 'endpoint', 'distance', 'xor (first 8 bytes)'], rows, ['#']))
}

function xor (a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) out[i] = a[i] ^ b[i]
  return out
}

/** floor(log2(d)) for a big-endian distance; -1 for distance 0 (the id itself). */
export function log2Floor (d: Buffer): number {
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== 0) return (d.length - 1 - i) * 8 + (31 - Math.clz32(d[i]))
  }
  return -1
}
