import { readFileSync } from 'node:fs'

/**
 * Compares two V8 heap snapshots (`--heap-snapshots DIR` of the soak, or any
 * v8.writeHeapSnapshot() files): live objects counted by constructor (node type and name),
 * with their shallow bytes, and the kinds whose count or bytes grew most.
 *
 *   node dist/bench/support/soak/heap-diff.js before.heapsnapshot after.heapsnapshot [--top 30]
 */

interface Tally { count: number, bytes: number }

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: Array<string[] | string> } }
  nodes: number[]
  strings: string[]
}

/** Count and shallow size per "type:name" of every node in the snapshot. */
export function tallyHeap (snap: Snapshot): Map<string, Tally> {
  const fields = snap.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const types = snap.snapshot.meta.node_types[typeAt] as string[]
  const out = new Map<string, Tally>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]]
    // Strings and code are keyed by type alone (their "names" are their contents).
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${snap.strings[snap.nodes[i + nameAt]]}` : type
    const t = out.get(name) ?? { count: 0, bytes: 0 }
    t.count++
    t.bytes += snap.nodes[i + sizeAt]
    out.set(name, t)
  }
  return out
}

function main (argv: string[]): void {
  const files = argv.filter(a => !a.startsWith('--'))
  const topAt = argv.indexOf('--top')
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 30
  if (files.length < 2) throw new Error('usage: heap-diff before.heapsnapshot after.heapsnapshot [--top N]')
  const [a, b] = files.slice(0, 2).map(f => tallyHeap(JSON.parse(readFileSync(f, 'utf8')) as Snapshot))
  const rows = [...new Set([...a.keys(), ...b.keys()])].map(k => {
    const x = a.get(k) ?? { count: 0, bytes: 0 }
    const y = b.get(k) ?? { count: 0, bytes: 0 }
    return { kind: k, before: x.count, after: y.count, dCount: y.count - x.count, dKiB: Math.round((y.bytes - x.bytes) / 1024) }
  })
  const sum = (m: Map<string, Tally>): number => [...m.values()].reduce((s, t) => s + t.bytes, 0)
  process.stdout.write(`total shallow bytes ${(sum(a) / 2 ** 20).toFixed(1)} → ${(sum(b) / 2 ** 20).toFixed(1)} MiB\n`)
  process.stdout.write(`by bytes grown:\n`)
  for (const r of [...rows].sort((p, q) => q.dKiB - p.dKiB).slice(0, top)) process.stdout.write(`  ${r.dKiB} KiB  ${r.before} → ${r.after}  ${r.kind}\n`)
  process.stdout.write(`by count grown:\n`)
  for (const r of [...rows].sort((p, q) => q.dCount - p.dCount).slice(0, top)) process.stdout.write(`  +${r.dCount}  ${r.before} → ${r.after}  (${r.dKiB} KiB)  ${r.kind}\n`)
}

if (process.argv[1]?.endsWith('heap-diff.js') === true) main(process.argv.slice(2))
