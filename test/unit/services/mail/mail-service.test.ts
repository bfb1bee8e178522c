import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import type { LocalTable } from '../../../../src/node/local-table.js'
import type { NameTarget } from '../../../../src/node/services/names/registration.js'
import { createMailNetwork } from '../../../../src/node/services/mail/mail-network.js'
import { type MailService, createMailService } from '../../../../src/node/services/mail/mail-service.js'
import { encodePushItem } from '../../../../src/node/services/mail/messages.js'
import { generateMailKeys } from '../../../../src/node/services/mail/mail-keys.js'
import { sealMail } from '../../../../src/node/services/mail/seal.js'
import { MemoryServiceNetwork } from '../../../helpers/memory-service-network.js'
import { bitMailboxResolver } from '../../../../src/cli/serve/bit-mailbox.js'

function memoryTable (): LocalTable {
  const m = new Map<string, Buffer>()
  return {
    get: k => m.get(k),
    put: async (k, v) => { m.set(k, v) },
    remove: async k => { m.delete(k) },
    keys: () => [...m.keys()].sort(),
    values: () => [...m.keys()].sort().map(k => m.get(k) as Buffer)
  }
}

/** N mail services on an in-memory network; files and names are shared maps (the chunk and names layers are tested elsewhere). */
function world (n: number) {
  const net = new MemoryServiceNetwork({ k: 8 })
  const nodes = net.addNodes(n)
  const files = new Map<string, Buffer>()
  const names = new Map<string, NameTarget>()
  const unpinned: string[] = []
  const dirs: string[] = []
  const mailNets = nodes.map(node => createMailNetwork({ network: node, difficulty: 2, chunkExists: async id => files.has(id.toString('hex')) }))
  const services: MailService[] = mailNets.map((mailNet) => {
    const dir = mkdtempSync(join(tmpdir(), 'tornet-mail-'))
    dirs.push(dir)
    mailNet.start()
    return createMailService({
      dataDir: dir,
      net: mailNet,
      names: {
        lookup: async name => { const target = names.get(name); if (target === undefined) throw new Error('no such name'); return { target } },
        register: async (name, target) => { names.set(name, target) }
      },
      publish: async bytes => {
        const rootId = sha256(bytes)
        files.set(rootId.toString('hex'), bytes)
        return { rootId, rootKey: randomBytes(32), chunkIds: [rootId] }
      },
      fetch: async rootId => { const b = files.get(rootId.toString('hex')); if (b === undefined) throw new Error('unreachable'); return b },
      unpin: async ids => { unpinned.push(...ids.map(i => i.toString('hex'))) },
      tables: { outbox: memoryTable(), owed: memoryTable(), meta: memoryTable() },
      checkIntervalMs: 0
    })
  })
  for (const s of services) s.start()
  const close = async (): Promise<void> => {
    for (const s of services) await s.stop()
    for (const m of mailNets) await m.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  return { services, mailNets, files, unpinned, close }
}

let closeWorld: (() => Promise<void>) | undefined
afterEach(async () => { await closeWorld?.(); closeWorld = undefined })

describe('mail service (in-memory network, real keys, seals and LMDB store)', () => {
  it('send by name → inbox; receipt → delivered and unpinned; no duplicates', async () => {
    const w = world(16)
    closeWorld = w.close
    const [alice, bob] = w.services
    await alice.createMailbox()
    const box = await bob.createMailbox({ name: 'bob' })
    expect(box.names).toEqual(['bob@tor-net'])
    expect((await alice.resolveAddress('Bob@tor-net')).encryptionKey).toEqual(box.encryptionKey)
    let changes = 0
    bob.onChange(() => { changes++ })

    const sent = await alice.send({ to: ['bob@tor-net'], subject: 'hi', text: 'hello bob' })
    expect(sent.delivery).toBe('pending')
    const r = await bob.check()
    expect(r).toMatchObject({ received: 1, aside: 0 })
    expect(changes).toBeGreaterThan(0)
    const inbox = await bob.list('inbox')
    expect(inbox.messages.map(m => [m.subject, m.from])).toEqual([['hi', alice.mailbox()?.address]])
    expect((await bob.check()).received).toBe(0)

    const back = await alice.check()
    expect(back.receipts).toBe(1)
    expect((await alice.list('sent')).messages[0].delivery).toBe('delivered')
    expect(w.unpinned.length).toBe(1)
    // A receipt replayed (or for another message) changes nothing more.
    expect((await alice.check()).receipts).toBe(0)
  })

  it('a message that does not open goes aside with its reason', async () => {
    const w = world(12)
    closeWorld = w.close
    const [carol] = w.services
    const box = await carol.createMailbox()
    const stranger = generateMailKeys()
    // Sealed to another encryption key, pushed to carol's mailbox.
    const sealed = sealMail(Buffer.from('Subject: x\r\n\r\nbody'), stranger, { mailboxId: box.id, encryptionKey: generateMailKeys().encryptionKey })
    const rootId = sha256(sealed)
    w.files.set(rootId.toString('hex'), sealed)
    await w.mailNets[5].push(box.id, encodePushItem({ kind: 'message', rootId, rootKey: Buffer.alloc(32) }))
    expect(await carol.check()).toMatchObject({ received: 0, aside: 1 })
    const aside = await carol.list('aside')
    expect(aside.messages[0].asideReason).toMatch(/^MAIL_(WRONG_KEY|BAD_SEAL)/)
  })

  it('refuses without a mailbox, and for a mailbox nobody announced', async () => {
    const w = world(8)
    closeWorld = w.close
    const [a, b] = w.services
    await expect(a.send({ to: ['x@tor-net'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NOT_RUNNING' })
    await a.createMailbox()
    await expect(a.send({ to: ['nobody@tor-net'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    const unannounced = generateMailKeys()
    const { keyAddress } = await import('../../../../src/node/services/mail/address.js')
    await expect(a.resolveAddress(keyAddress(unannounced.signingKey))).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    expect(b.mailbox()).toBeUndefined()
  })

  it('NAME@bit goes to the mailbox the d/NAME record names in "tornet-mail", once a Namecoin resolver is in use', async () => {
    const w = world(12)
    closeWorld = w.close
    const [alice, bob] = w.services
    await alice.createMailbox()
    const box = await bob.createMailbox()
    await expect(alice.send({ to: ['shop@bit'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    const records = new Map([['d/shop', JSON.stringify({ ip: '192.0.2.1', 'tornet-mail': box.address })], ['d/plain', JSON.stringify({ ip: '192.0.2.1' })]])
    alice.useBitResolver(bitMailboxResolver({ nameShow: async (name) => { const value = records.get(name); return value === undefined ? undefined : { value, height: 1 } } }))
    await alice.send({ to: ['Shop@bit'], subject: 'order', text: 'two please' })
    await bob.check()
    expect((await bob.list('inbox')).messages.map(m => m.subject)).toEqual(['order'])
    await expect(alice.send({ to: ['plain@bit'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    await expect(alice.send({ to: ['absent@bit'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    alice.useBitResolver(undefined)
    await expect(alice.send({ to: ['shop@bit'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
  })

  it('a draft saved again replaces the old one', async () => {
    const w = world(4)
    closeWorld = w.close
    const [a] = w.services
    await a.createMailbox()
    const d1 = await a.saveDraft({ to: ['half-typed'], subject: 'draft', text: 'one' })
    await a.saveDraft({ to: [], subject: 'draft', text: 'two' }, d1.id)
    const drafts = await a.list('drafts')
    expect(drafts.total).toBe(1)
    const draft = await a.read(drafts.messages[0].id)
    expect(draft?.text?.trim()).toBe('two')
    expect(draft?.to).toEqual([])
    expect((await a.counts()).trash.total).toBe(0)
  })
})
