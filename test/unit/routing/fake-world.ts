import { makeContact, type Contact } from '../../../src/node/routing/contact.js'
import { compareDistance } from '../../../src/node/routing/distance.js'
import type { LookupRequest, QueryFn, QueryResult } from '../../../src/node/routing/lookup.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'
import { VirtualClock } from '../../../src/node/routing/simulator/virtual-clock.js'

/**
 * A scripted network for lookup tests: nodes with random ids, each knowing
 * its nearest neighbours and some random others, answering after a per-node
 * delay on a virtual clock. Behaviour can be overridden per node.
 */
export interface WorldNode {
  contact: Contact
  knows: Contact[]
  delayMs: number
  dead: boolean
  value?: Buffer
  notFound?: number
  /** Replaces the honest answer. */
  answer?: (req: LookupRequest) => QueryResult
}

export class FakeWorld {
  readonly clock = new VirtualClock()
  readonly prng: Prng
  readonly nodes: WorldNode[] = []
  readonly byHex = new Map<string, WorldNode>()
  inFlight = 0
  maxInFlight = 0
  sent = 0
  readonly signals: AbortSignal[] = []

  constructor (size: number, seed = 1, neighbours = 12, randomKnown = 20) {
    this.prng = new Prng(seed)
    for (let i = 0; i < size; i++) {
      const contact = makeContact(this.prng.bytes(32), { address: '10.0.0.1', port: 1 + i })
      const n: WorldNode = { contact, knows: [], delayMs: 20 + this.prng.int(60), dead: false }
      this.nodes.push(n)
      this.byHex.set(contact.id.toString('hex'), n)
    }
    for (const n of this.nodes) {
      const near = this.closestTo(n.contact.id, neighbours + 1).filter(c => c !== n.contact)
      const rnd = Array.from({ length: randomKnown }, () => this.nodes[this.prng.int(size)].contact).filter(c => c !== n.contact)
      n.knows = [...new Set([...near, ...rnd])]
    }
  }

  node (c: Contact): WorldNode { return this.byHex.get(c.id.toString('hex')) as WorldNode }

  closestTo (target: Buffer, n: number, filter: (w: WorldNode) => boolean = () => true): Contact[] {
    return this.nodes.filter(filter).map(w => w.contact).sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n)
  }

  readonly query: QueryFn = async (contact, req, signal) => {
    const n = this.node(contact)
    this.sent++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    this.signals.push(signal)
    return await new Promise<QueryResult>((resolve, reject) => {
      let open = true
      const done = (): boolean => { if (!open) return false; open = false; this.inFlight--; return true }
      signal.addEventListener('abort', () => { if (done()) reject(new Error(String(signal.reason))) }, { once: true })
      if (n === undefined || n.dead) return
      this.clock.setTimer(n.delayMs, () => {
        if (!done()) return
        if (n.answer !== undefined) { resolve(n.answer(req)); return }
        if (n.value !== undefined && req.kind !== 0) { resolve({ contacts: [], value: n.value }); return }
        const known = new Set(req.known)
        const contacts = [...n.knows].sort((a, b) => compareDistance(req.target, a.id, b.id)).slice(0, req.count)
          .filter(c => !known.has(c.id[30] | (c.id[31] << 8)))
        resolve({ contacts, notFound: req.kind !== 0 ? (n.notFound ?? 0) : undefined })
      })
    })
  }
}
