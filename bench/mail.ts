import { parseArgs } from 'node:util'
import type { TornetNode } from '../src/node/index.js'
import { sha256 } from '../src/node/crypto/hash.js'
import { generateIdentity } from '../src/node/identity/identity.js'
import { MailboxHost } from '../src/node/services/mail/host/mailbox-host.js'
import { mailboxLocation, signMailboxRecord } from '../src/node/services/mail/host/mailbox-record.js'
import { MailboxRecordStore } from '../src/node/services/mail/host/mailbox-records.js'
import { TokenIssuer } from '../src/node/services/mail/host/token-issuer.js'
import { type MailRequest, decodePushItem, encodePushItem, mailRequestCodec } from '../src/node/services/mail/messages.js'
import { DEFAULT_STAMP_DIFFICULTY, mineStamp, stampPrefix } from '../src/node/services/mail/stamp.js'
import { startLocalNet } from './support/local-net.js'
import { median, round } from './support/stats.js'
import { nativeSha256Rate } from './support/native-hash.js'
import { emit, mean, progress } from './util.js'
import { inboxTtfb } from './mail-inbox.js'

/**
 * Mail (issue 16). Each figure is printed with its baseline, measured in this run, and the ratio:
 *
 *   mail.deliver_ms_p50      20 real nodes on 127.0.0.1 (UDP, LMDB): MailApi.send() on one node →
 *                            the message in the recipient's inbox (its onChange), the recipient's
 *                            node running as it does (checks on the hosts' notification), median
 *                            of --messages sends between random pairs (target ≤ 1,000 ms). Proof of
 *                            work excluded: the network runs with stamp difficulty 0.
 *                            Baseline: a kv put on the sender then a kv get on the recipient (one
 *                            signed record written to and read from its replicas on the same nodes).
 *   mail.stamp_s             stamp proof of work at the default difficulty (21 bits), one core, mean
 *                            of --rounds. Baseline: 2^difficulty / a bare native SHA-256 loop's rate.
 *   mail.push_checks_per_s   a host's verification of pushes (MailboxHost.push: decode, mailbox
 *                            held, token MAC, stamp hash, replay memory, queue caps, the chunk check
 *                            answered from memory: the lookup is network time, not host work),
 *                            --pushes distinct valid pushes (target ≥ 5,000/s). Baseline: decoding
 *                            each push and one SHA-256 of it (the least any check does).
 *
 *   mail.inbox_ttfb_ms       the webmail's inbox page with 10,000 messages in an LMDB mail store, through
 *                            the gateway's proxy (target ≤ 50 ms). Baseline: the dashboard page on the
 *                            same gateway. See mail-inbox.ts (also its own suite, with more options).
 *
 *   npm run bench -- mail [--messages 20] [--rounds 3] [--pushes 20000] [--skip deliver,stamp,checks,inbox]
 */
export const summary = 'mail: send → inbox on 20 UDP nodes, stamp proof of work, host push checks'

async function deliver (messages: number): Promise<void> {
  progress('deliver: starting 20 nodes…')
  const net = await startLocalNet(20, { config: { mail: { difficulty: 0 } } })
  try {
    const nodes = net.nodes
    const owners = nodes.slice(10, 14)
    progress('deliver: creating mailboxes…')
    for (const n of [...owners, ...nodes.slice(0, 4)]) await n.mail.createMailbox()
    // The first collect (createMailbox starts one) tells the hosts where to notify.
    for (const n of owners) await n.mail.check()
    const times: number[] = []
    const baseline: number[] = []
    for (let i = 0; i < messages; i++) {
      const from = nodes[i % 4]
      const to = owners[i % owners.length]
      const address = to.mail.mailbox()?.address ?? ''
      const arrived = inboxGrows(to)
      const t0 = performance.now()
      await from.mail.send({ to: [address], subject: `bench ${i}`, text: `message ${i}` })
      await arrived
      times.push(performance.now() - t0)
      const b0 = performance.now()
      await from.kv.put(`bench-${i}`, `value ${i}`)
      const r = await to.kv.get(from.identity.publicKey, `bench-${i}`)
      if (r === undefined) throw new Error('baseline: the record was not found')
      baseline.push(performance.now() - b0)
      progress(`deliver ${i + 1}/${messages}: ${round(times[i], 1)} ms (kv put+get ${round(baseline[i], 1)} ms)`)
    }
    const p50 = median(times)
    const base = median(baseline)
    emit('mail.deliver_ms_p50', round(p50, 1), 'ms', { nodes: 20, messages, target: 1000, baseline_kv_put_get_ms_p50: round(base, 1), ratio_vs_baseline: round(p50 / base, 2), ratio_vs_target: round(p50 / 1000, 2) })
  } finally {
    await net.close()
  }
}

/** Resolves when `node`'s inbox holds one more message than now. */
async function inboxGrows (node: TornetNode): Promise<void> {
  const before = (await node.mail.counts()).inbox.total
  await new Promise<void>((resolve) => {
    const off = node.mail.onChange(() => {
      node.mail.counts().then(c => { if (c.inbox.total > before) { off(); resolve() } }, () => undefined)
    })
  })
}

async function stamp (rounds: number): Promise<void> {
  const seconds: number[] = []
  let hashes = 0
  let inputBytes = 0
  for (let r = 1; r <= rounds; r++) {
    const subject = { digest: sha256(Buffer.from(`bench ${r} ${Date.now()}`)), mailboxId: sha256(Buffer.of(r)), tokens: [Buffer.alloc(20, 1), Buffer.alloc(20, 2), Buffer.alloc(20, 3)] }
    inputBytes = stampPrefix(subject).length + 8
    const t0 = performance.now()
    let last = 0
    const nonce = await mineStamp(subject, DEFAULT_STAMP_DIFFICULTY, { onProgress: p => { if (p.elapsedSeconds - last >= 1) { last = p.elapsedSeconds; progress(`stamp ${r}: ${Math.round(p.hashes / 1e6 * 10) / 10} M hashes, ~${Math.round(p.expectedSecondsLeft)} s left`) } } })
    seconds.push((performance.now() - t0) / 1000)
    hashes += nonce.readUInt32LE(0) + nonce.readUInt32LE(4) * 2 ** 32 + 1
    progress(`stamp ${r}/${rounds}: ${round(seconds[r - 1], 2)} s`)
  }
  progress('stamp: native SHA-256 baseline, 2 s')
  const native = nativeSha256Rate(inputBytes, 2)
  const expected = 2 ** DEFAULT_STAMP_DIFFICULTY / native
  const s = mean(seconds)
  // A proof's time is memoryless (exponential): few rounds vary a lot, so the expected time at the
  // measured hash rate is printed beside the mean.
  const rate = hashes / seconds.reduce((a, b) => a + b, 0)
  emit('mail.stamp_s', round(s, 3), 's', {
    difficulty: DEFAULT_STAMP_DIFFICULTY, rounds, threads: 1, hashes_per_s: Math.round(rate), expected_s_at_rate: round(2 ** DEFAULT_STAMP_DIFFICULTY / rate, 3),
    baseline_native_hashes_per_s: Math.round(native), baseline_native_expected_s: round(expected, 3), ratio_vs_baseline: round(s / expected, 2), rate_vs_native: round(rate / native, 2)
  })
}

async function checks (pushes: number): Promise<void> {
  const now = Date.now()
  const records = new MailboxRecordStore({ now: () => now })
  const boxes = Array.from({ length: 16 }, () => generateIdentity())
  for (const b of boxes) records.offer(signMailboxRecord(b.secretKey, { signingKey: b.publicKey, encryptionKey: Buffer.alloc(32, 9), issuedAt: now, seq: 1 }))
  const tokens = new TokenIssuer({ now: () => now })
  const difficulty = 4
  const provided = new Set<string>()
  const host = new MailboxHost({
    records, selfId: Buffer.alloc(32), difficulty, tokens, now: () => now,
    chunkExists: async id => provided.has(id.toString('hex')),
    queue: { maxPerMailbox: pushes, maxPerSender: pushes, maxTotal: pushes }
  })
  progress(`checks: preparing ${pushes} stamped pushes (difficulty ${difficulty} so this stays short; a check costs the same at any difficulty)…`)
  const wire: Buffer[] = []
  for (let i = 0; i < pushes; i++) {
    const mailboxId = mailboxLocation(boxes[i % boxes.length].publicKey)
    const rootId = sha256(Buffer.from(`chunk ${i}`))
    provided.add(rootId.toString('hex'))
    const item = encodePushItem({ kind: 'message', rootId, rootKey: rootId })
    const t = [tokens.issue(mailboxId)]
    const nonce = await mineStamp({ digest: sha256(item), mailboxId, tokens: t }, difficulty)
    wire.push(mailRequestCodec.encode({ type: 'push', mailboxId, nonce, tokens: t, item }))
  }
  progress('checks: baseline (decode + one SHA-256 per push)…')
  let b0 = performance.now()
  for (const w of wire) { const m = mailRequestCodec.decode(w) as Extract<MailRequest, { type: 'push' }>; decodePushItem(m.item); sha256(w) }
  const baseline = pushes / ((performance.now() - b0) / 1000)
  progress('checks: host verification…')
  b0 = performance.now()
  let accepted = 0
  for (let i = 0; i < wire.length; i++) {
    const m = mailRequestCodec.decode(wire[i]) as Extract<MailRequest, { type: 'push' }>
    if ((await host.push(m, `peer-${i % 64}`)).accepted) accepted++
  }
  const rate = pushes / ((performance.now() - b0) / 1000)
  if (accepted !== pushes) throw new Error(`only ${accepted} of ${pushes} pushes were accepted: ${JSON.stringify(host.stats.refused)}`)
  emit('mail.push_checks_per_s', Math.round(rate), 'pushes/s', { pushes, target: 5000, baseline_decode_hash_per_s: Math.round(baseline), ratio_vs_baseline: round(rate / baseline, 3), ratio_vs_target: round(rate / 5000, 2) })
}

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      pushes: { type: 'string', default: '20000' },
      skip: { type: 'string', default: '' }
    }
  })
  const messages = Number(values.messages)
  const rounds = Number(values.rounds)
  const pushes = Number(values.pushes)
  if (![messages, rounds, pushes].every(n => Number.isInteger(n) && n >= 1)) throw new Error('usage: mail [--messages N>=1] [--rounds N>=1] [--pushes N>=1] [--skip deliver,stamp,checks,inbox]')
  const skip = new Set(values.skip.split(',').filter(s => s !== ''))
  if (!skip.has('checks')) await checks(pushes)
  if (!skip.has('deliver')) await deliver(messages)
  if (!skip.has('stamp')) await stamp(rounds)
  if (!skip.has('inbox')) await inboxTtfb({ messages: 10_000, samples: 200, store: 'lmdb' })
}
