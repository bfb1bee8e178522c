import type {
  CheckResult, Contact, MailApi, MailboxInfo, MailFolder, MessageSummary, OutgoingMail, SendProgress
} from '../../../src/node/index.js'
import { keyAddress } from '../../../src/node/index.js'
import { generateMailKeys } from '../../../src/node/services/mail/mail-keys.js'
import { composeMessage } from '../../../src/node/services/mail/message-format.js'
import type { MailStore } from '../../../src/node/services/mail/mail-store.js'

/**
 * A MailApi for the CLI tests: the real mail store (LMDB in a temp dir) and real RFC 5322
 * messages, with the network left out. send() reports the phases a real send goes through
 * and files the message in "sent" as pending; check() moves `incoming` into the inbox.
 */
export class FakeMail implements MailApi {
  box: MailboxInfo | undefined
  readonly sends: OutgoingMail[] = []
  readonly incoming: Buffer[] = []
  receipts = 0

  constructor (readonly store: MailStore) {}

  mailbox (): MailboxInfo | undefined { return this.box }

  async createMailbox (opts: { name?: string } = {}): Promise<MailboxInfo> {
    if (this.box === undefined) {
      const k = generateMailKeys()
      this.box = { id: k.id, signingKey: k.signingKey, encryptionKey: k.encryptionKey, address: keyAddress(k.signingKey), names: [] }
    }
    if (opts.name !== undefined) this.box.names.push(`${opts.name}@tor-net`)
    return this.box
  }

  async resolveAddress (): Promise<never> { throw new Error('not in the fake') }

  async send (mail: OutgoingMail, opts: { onProgress?: (p: SendProgress) => void, signal?: AbortSignal } = {}): Promise<MessageSummary> {
    const box = this.box
    if (box === undefined) throw new Error('no mailbox')
    this.sends.push(mail)
    const steps: SendProgress[] = [
      { phase: 'resolving' }, { phase: 'stamping', done: 120_000, total: 1_000_000 }, { phase: 'publishing' },
      { phase: 'pushing', done: 3, total: 3 }, { phase: 'done' }
    ]
    for (const s of steps) opts.onProgress?.(s)
    const { raw } = await composeMessage(mail, box.address)
    return await this.store.add('sent', raw, { delivery: 'pending' })
  }

  async sendRaw (): Promise<never> { throw new Error('not in the fake') }

  async check (): Promise<CheckResult> {
    const got = this.incoming.splice(0)
    for (const raw of got) await this.store.add('inbox', raw)
    return { received: got.length, receipts: this.receipts, aside: 0 }
  }

  list (folder: MailFolder, opts?: Parameters<MailStore['list']>[1]): ReturnType<MailStore['list']> { return this.store.list(folder, opts) }
  counts (): ReturnType<MailStore['counts']> { return this.store.counts() }
  read (id: string): ReturnType<MailStore['get']> { return this.store.get(id) }
  raw (id: string): ReturnType<MailStore['raw']> { return this.store.raw(id) }
  attachment (id: string, index: number): ReturnType<MailStore['attachment']> { return this.store.attachment(id, index) }
  setUnread (id: string, unread: boolean): Promise<void> { return this.store.setUnread(id, unread) }
  move (id: string, folder: MailFolder): Promise<void> { return this.store.move(id, folder) }
  delete (id: string): Promise<void> { return this.store.delete(id) }
  async saveDraft (mail: OutgoingMail): Promise<MessageSummary> {
    return await this.store.add('drafts', (await composeMessage(mail, this.box?.address ?? 'me@tor-net')).raw)
  }

  contacts (): Promise<Contact[]> { return this.store.contacts() }
  addContact (c: Contact): Promise<void> { return this.store.addContact(c) }
  removeContact (a: string): Promise<void> { return this.store.removeContact(a) }
  async complete (): Promise<string[]> { return [] }
  onChange (): () => void { return () => {} }
}
