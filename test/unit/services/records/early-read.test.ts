import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { type Contact, makeContact } from '../../../../src/node/routing/contact.js'
import { encodeChain } from '../../../../src/node/services/names/chain.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { namesRecordKind, verifyAnswer } from '../../../../src/node/services/names/names-kind.js'
import { READ_SETTLED } from '../../../../src/node/services/records/early-read.js'
import { readWinner } from '../../../../src/node/services/records/parallel-find.js'
import { T0, TEST_POLICY, chainOf } from '../names/fixtures.js'

/**
 * The names read through the records core (early-read.ts), with the real
 * names kind (owner vote, chains verified) on a scripted network: each
 * replica answers a given chain after a given delay, or never.
 */
const NAME = 'contested'
const now = (): number => T0 + 60_000
const kind = namesRecordKind(now, TEST_POLICY)
const location = nameKey(NAME)
const contact = (n: number): Contact => makeContact(Buffer.alloc(32, n), { address: '127.0.0.1', port: 1000 + n })
const self = contact(0)

const alice = generateIdentity()
const bob = generateIdentity()
const aliceChain = encodeChain(await chainOf(alice, NAME, [T0]))
const bobChain = encodeChain(await chainOf(bob, NAME, [T0 + 1000]))

/** What a replica does: answer `record` (undefined: it holds none) after `ms`, or hang until the request ends. */
type Script = { record: Buffer | undefined, ms: number } | 'hang'

function network (replicas: Script[], o: { adaptiveMs?: number } = {}) {
  const peers = replicas.map((_, i) => contact(i + 1))
  const aborted: number[] = []
  const net = {
    self,
    closest: async () => peers,
    findValue: async () => undefined,
    requestTimeoutMs: o.adaptiveMs === undefined ? undefined : () => o.adaptiveMs as number,
    request: async (peer: Contact, _service: string, _payload: Uint8Array, r: { signal?: AbortSignal, timeoutMs?: number } = {}) => {
      const n = peer.id[0]
      const script = replicas[n - 1]
      return await new Promise<Buffer>((resolve, reject) => {
        let open = true
        const end = (why: unknown): void => { open = false; clearTimeout(deadline); clearTimeout(answer); reject(why) }
        const deadline = setTimeout(() => { end(new Error('timeout')) }, r.timeoutMs ?? 60_000)
        let answer: NodeJS.Timeout | undefined
        if (script !== 'hang') {
          answer = setTimeout(() => { open = false; clearTimeout(deadline); resolve(kind.getReplies.encode(script.record)) }, script.ms)
        }
        r.signal?.addEventListener('abort', () => {
          if (!open) return
          if (r.signal?.reason === READ_SETTLED) aborted.push(n)
          end(r.signal?.reason)
        }, { once: true })
      })
    }
  }
  return { net, aborted }
}

async function read (net: ReturnType<typeof network>['net'], readCount = 5) {
  return await readWinner({
    network: net, kind, location, key: NAME, readCount, timeoutMs: 60_000, local: () => undefined,
    verify: encoded => { const v = verifyAnswer(encoded, NAME, now(), TEST_POLICY); return typeof v === 'string' ? undefined : v }
  })
}

describe('early read (names)', () => {
  it('does not answer with the owner the fastest replicas hold when most replicas hold another', async () => {
    // Bob's two replicas answer first. An early answer on "the first agreeing pair", or on the
    // leader at that moment, would return Bob; the owner vote over all five returns Alice.
    const { net } = network([
      { record: bobChain, ms: 1 }, { record: bobChain, ms: 1 },
      { record: aliceChain, ms: 30 }, { record: aliceChain, ms: 40 }, { record: aliceChain, ms: 50 }
    ])
    const r = await read(net)
    expect(r.winner?.owner.equals(alice.publicKey)).toBe(true)
    expect(r.answers).toHaveLength(5)
  })

  it('waits out a tie that the last answers could still break', async () => {
    const { net } = network([
      { record: aliceChain, ms: 1 }, { record: aliceChain, ms: 1 },
      { record: bobChain, ms: 1 }, { record: bobChain, ms: 1 }, { record: bobChain, ms: 40 }
    ])
    const r = await read(net)
    expect(r.winner?.owner.equals(bob.publicKey)).toBe(true)
  })

  it('answers once the leading owner is out of reach, without waiting for a replica that does not answer', async () => {
    // FIND_VALUE found nothing; three of five agree: the two votes left cannot change the owner.
    // The fifth replica hangs for good, so a read that waited for it would never end (and this
    // test would time out); the fourth, slower one is not waited for either.
    const { net, aborted } = network([
      { record: aliceChain, ms: 1 }, { record: aliceChain, ms: 2 }, { record: aliceChain, ms: 3 }, { record: aliceChain, ms: 40 }, 'hang'
    ])
    const r = await read(net)
    expect(r.winner?.owner.equals(alice.publicKey)).toBe(true)
    expect(r.answers).toHaveLength(3)
    expect(aborted.sort()).toEqual([4, 5])
  })

  it('asks the next replica when one stays silent past its adaptive time-out', async () => {
    // Three slots; replica 1 never answers, 2 and 3 disagree, so the read needs a third vote.
    // The network's adaptive time-out (20 ms) frees replica 1's slot long before the read's
    // fixed 60 s one, and replica 4 fills it.
    const { net } = network([
      'hang', { record: aliceChain, ms: 1 }, { record: bobChain, ms: 1 }, { record: aliceChain, ms: 1 }
    ], { adaptiveMs: 20 })
    const r = await read(net, 3)
    expect(r.winner?.owner.equals(alice.publicKey)).toBe(true)
    expect(r.asked.map(a => a.peer.id[0]).sort()).toEqual([1, 2, 3, 4])
    expect(r.answers).toHaveLength(3)
  })

  it('a replica without the record frees its slot; with nobody left to ask the read ends without a winner', async () => {
    const { net } = network([{ record: undefined, ms: 1 }, { record: undefined, ms: 1 }])
    const r = await read(net, 2)
    expect(r.winner).toBeUndefined()
    expect(r.asked).toHaveLength(2)
  })

  it('asks the replicas the closest-nodes lookup hears of while it still runs', async () => {
    // This lookup never ends by itself; it names the replicas in its first reply. A read that
    // waited for the lookup's result would never end.
    const { net } = network([{ record: aliceChain, ms: 1 }, { record: aliceChain, ms: 1 }, { record: aliceChain, ms: 1 }])
    let lookupAborted = false
    const peers = [contact(1), contact(2), contact(3)]
    const running = {
      ...net,
      closest: async (_key: Buffer, o: { signal?: AbortSignal, onContacts?: (c: Contact[]) => void } = {}) => {
        setTimeout(() => { o.onContacts?.(peers) }, 1)
        return await new Promise<Contact[]>((_resolve, reject) => {
          o.signal?.addEventListener('abort', () => { lookupAborted = true; reject(o.signal?.reason) }, { once: true })
        })
      }
    }
    const r = await read(running, 3)
    expect(r.winner?.owner.equals(alice.publicKey)).toBe(true)
    expect(lookupAborted).toBe(true)
  })
})
