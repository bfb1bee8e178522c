import { describe, expect, it } from 'vitest'
import { type Contact, makeContact } from '../../../../src/node/routing/contact.js'
import { locationShape, recordCodecs } from '../../../../src/node/services/records/messages.js'
import { readWinner } from '../../../../src/node/services/records/parallel-find.js'
import type { ReadableKind } from '../../../../src/node/services/records/record-kind.js'

const contact = (n: number): Contact => makeContact(Buffer.alloc(32, n), { address: '127.0.0.1', port: 1000 + n })
const self = contact(0)
const codecs = recordCodecs({ service: 'toy', noun: 'record', maxRecordBytes: 8, key: locationShape, reasons: ['BAD'] })

/** A toy kind whose records are one byte; the winner is the largest, the first of equals. */
const kind: ReadableKind<number, Buffer, string> = {
  service: 'toy',
  valueKind: 99,
  ...codecs,
  malformed: 'BAD',
  notReplica: 'BAD',
  decode: b => b[0],
  locationOf: () => Buffer.alloc(32),
  isValidAt: () => true,
  winner: answers => answers.reduce<number | undefined>((best, a) => best === undefined || a > best ? a : best, undefined)
}

function network (found: { value: number, from: Contact } | undefined, replicas: Array<number | undefined>) {
  const peers = replicas.map((_, i) => contact(i + 1))
  return {
    self,
    closest: async () => peers,
    findValue: async () => found === undefined ? undefined : { value: Buffer.of(found.value), from: found.from },
    request: async (peer: Contact) => {
      const r = replicas[peer.id[0] - 1]
      if (r === 255) throw new Error('timeout')
      return codecs.getReplies.encode(r === undefined ? undefined : Buffer.of(r))
    }
  }
}

const read = async (net: ReturnType<typeof network>, local: number | undefined, verify = (b: Buffer): number | undefined => b[0]) =>
  await readWinner({ network: net, kind, location: Buffer.alloc(32), key: Buffer.alloc(32), readCount: 3, timeoutMs: 100, local: () => local, verify })

describe('readWinner', () => {
  it('applies the kind\'s winner rule to the local copy, FIND_VALUE\'s answer and the asked replicas\', in that order', async () => {
    const r = await read(network({ value: 7, from: contact(9) }, [3, undefined, 255]), 5)
    expect(r.answers).toEqual([5, 7, 3])
    expect(r.winner).toBe(7)
    expect(r.asked.map(a => a.answer)).toEqual([3, undefined, undefined])
  })

  it('does not count FIND_VALUE\'s answer when it came from this node (the local copy is already counted)', async () => {
    const r = await read(network({ value: 5, from: self }, [4]), 5)
    expect(r.answers).toEqual([5, 4])
  })

  it('drops what the read\'s check refuses; no answer leaves no winner', async () => {
    const r = await read(network({ value: 7, from: contact(9) }, [8]), undefined, () => undefined)
    expect(r).toEqual({ winner: undefined, answers: [], asked: [{ peer: contact(1), answer: undefined }] })
  })
})
