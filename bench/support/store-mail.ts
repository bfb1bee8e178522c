import type { MailApi, MailboxInfo } from '../../src/node/index.js'
import type { MailStore } from '../../src/node/services/mail/mail-store.js'

/**
 * The reading half of MailApi straight over a real LMDB MailStore, for
 * benchmarks of the pages that only read (the webmail's inbox): what the
 * node's mail service does for these calls, without its network half.
 * Sending and checking are not part of what is measured and refuse.
 */
export function storeMail (store: MailStore, box: MailboxInfo): MailApi {
  const refuse = async (): Promise<never> => { throw new Error('storeMail: reading only (benchmark)') }
  return {
    mailbox: () => box,
    createMailbox: refuse,
    resolveAddress: refuse,
    send: refuse,
    sendRaw: refuse,
    check: refuse,
    saveDraft: refuse,
    list: async (folder, opts) => await store.list(folder, opts),
    counts: async () => await store.counts(),
    read: async id => await store.get(id),
    raw: async id => await store.raw(id),
    attachment: async (id, index) => await store.attachment(id, index),
    setUnread: async (id, unread) => { await store.setUnread(id, unread) },
    move: async (id, folder) => { await store.move(id, folder) },
    delete: async id => { await store.delete(id) },
    contacts: async () => await store.contacts(),
    addContact: async c => { await store.addContact(c) },
    removeContact: async a => { await store.removeContact(a) },
    complete: async () => [],
    onChange: () => () => {}
  }
}
