import { sha256 } from '../../crypto/hash.js'
import { isTornetError } from '../../errors.js'
import type { LocalTable } from '../../local-table.js'
import type { NameTarget } from '../names/registration.js'
import { type ParsedAddress, formatAddress, keyAddress, normalizeAddress, parseAddress } from './address.js'
import { MailError, MailErrorCode } from './errors.js'
import type {
  CheckResult, Contact, MailApi, MailboxInfo, MailFolder, MailRecipient, MessageSummary, OutgoingMail, SendProgress
} from './mail-api.js'
import { type MailKeys, generateMailKeys, loadMailKeys, mailboxIdOf, saveMailKeys } from './mail-keys.js'
import type { CollectedFrom, MailNetwork } from './mail-network.js'
import { type MailStore, mailStorePath, openMailStore } from './mail-store.js'
import { composeMessage } from './message-format.js'
import { decodePushItem, encodePushItem, signReceipt, verifyReceipt } from './messages.js'
import { Outbox, OwedReceipts } from './outbox.js'
import { MAX_SEALED_BYTES, openMail, sealMail } from './seal.js'
import { tryDecode } from '../../wire/codec.js'

/**
 * Mail on a node: the MailApi the gateway, the CLI, the bridge and the demo
 * use, built from mail-core's pieces (keys, addresses, seal, message format,
 * store) and the network half (mail-network.ts).
 *
 * Send: compose → for each recipient: resolve (name → mailbox key → mailbox
 * record → encryption key), seal, publish the sealed bytes as a file's chunks
 * (pinned here until the receipt), push its reference with one stamp to ≥ 3
 * of the recipient's hosts. The message goes to `sent` as pending.
 * Check (every 30 s, and soon after a host's notification): collect from the
 * nearest hosts; a message is fetched, opened and stored (inbox; what fails to
 * open goes aside with the reason), and a signed receipt is pushed to the
 * sender's hosts; a receipt for a sent copy unpins its chunks, and when every
 * recipient's receipt is in the message shows as delivered.
 */
export interface MailServiceOptions {
  /** Keys in <dataDir>/mail/keys.json, the store in <dataDir>/mail/store. */
  dataDir: string
  net: MailNetwork
  names: {
    lookup: (name: string, opts?: { signal?: AbortSignal }) => Promise<{ target: NameTarget }>
    register: (name: string, target: NameTarget) => Promise<unknown>
  }
  /** Publishes bytes as a file (chunks stored pinned here, then announced). */
  publish: (bytes: Buffer, signal?: AbortSignal) => Promise<{ rootId: Buffer, rootKey: Buffer, chunkIds: Buffer[] }>
  /** Reads such a file back from the network (at most MAX_SEALED_BYTES). */
  fetch: (rootId: Buffer, rootKey: Buffer, signal?: AbortSignal) => Promise<Buffer>
  /** Lets the chunks of a delivered message go to the cache. */
  unpin: (ids: Buffer[]) => Promise<void>
  /** Tables in the node's store: sent copies awaiting receipts, receipts owed, this mailbox's names. */
  tables: { outbox: LocalTable, owed: LocalTable, meta: LocalTable }
  /** `NAME@bit`: the mailbox key the Namecoin record carries (the resolvers' layer; absent: such addresses are refused). */
  resolveBit?: (name: string, signal?: AbortSignal) => Promise<Buffer | undefined>
  /** Whether the node knows any peer: a periodic check before it does would only fail (one-shot CLI reads). */
  online?: () => boolean
  /** How often the running node checks; default 30 s; 0: only on notification and on demand. */
  checkIntervalMs?: number
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void
}

export interface MailService extends MailApi {
  start: () => void
  stop: () => Promise<void>
  /**
   * Where NAME@bit addresses are looked up, once a Namecoin resolver runs beside the node (the
   * gateway starts it after the node); undefined goes back to the resolveBit given at creation.
   */
  useBitResolver: (resolve: MailServiceOptions['resolveBit']) => void
}

const NAMES_KEY = 'names'
const NOTIFY_GAP_MS = 500

export function createMailService (o: MailServiceOptions): MailService {
  const { net } = o
  const log = o.log ?? (() => {})
  let bitResolver: MailServiceOptions['resolveBit']
  const outbox = new Outbox(o.tables.outbox)
  const owed = new OwedReceipts(o.tables.owed)
  const listeners = new Set<() => void>()
  let keys: MailKeys | undefined
  let storePromise: Promise<MailStore> | undefined
  let timer: NodeJS.Timeout | undefined
  let running = false
  let checking: Promise<CheckResult> | undefined
  let again = false
  let stopping = new AbortController()
  /** The keys being read at start; what needs them waits for it. */
  let loading: Promise<void> | undefined
  let lastCheck = 0
  let notifyTimer: NodeJS.Timeout | undefined

  const changed = (): void => { for (const l of listeners) { try { l() } catch { /* a listener's failure is its own */ } } }
  const store = async (): Promise<MailStore> => await (storePromise ??= openMailStore(mailStorePath(o.dataDir)))

  function ownNames (): string[] {
    const b = o.tables.meta.get(NAMES_KEY)
    try { return b === undefined ? [] : (JSON.parse(b.toString('utf8')) as string[]).filter(n => typeof n === 'string') } catch { return [] }
  }

  function info (k: MailKeys): MailboxInfo {
    return { id: k.id, signingKey: k.signingKey, encryptionKey: k.encryptionKey, address: keyAddress(k.signingKey), names: ownNames().map(n => `${n}@tor-net`) }
  }

  async function needKeys (): Promise<MailKeys> {
    await loading
    if (keys === undefined) throw new MailError(MailErrorCode.NOT_RUNNING, 'this node has no mailbox yet: create one with "tornet mail new"')
    return keys
  }

  async function createMailbox (opts: { name?: string } = {}): Promise<MailboxInfo> {
    await loading
    keys ??= await loadMailKeys(o.dataDir)
    if (keys === undefined) {
      keys = generateMailKeys()
      await saveMailKeys(o.dataDir, keys)
    }
    const k = keys
    const announced = await net.announce(k)
    if (announced.accepted === 0) log('warn', 'no node took the mailbox record yet; it is re-announced every 10 minutes')
    if (opts.name !== undefined) {
      const parsed = parseAddress(`${opts.name}@tor-net`)
      if (parsed.kind !== 'name') throw new MailError(MailErrorCode.BAD_ARGUMENT, `'${opts.name}' is a key, not a name`)
      await o.names.register(parsed.name, { kind: 'mailbox', value: k.signingKey })
      const names = ownNames().filter(n => n !== parsed.name)
      await o.tables.meta.put(NAMES_KEY, Buffer.from(JSON.stringify([...names, parsed.name])))
    }
    scheduleTimer()
    // A first collect tells the hosts where this mailbox is: they notify it of what arrives.
    backgroundCheck()
    changed()
    return info(k)
  }

  async function signingKeyOf (a: ParsedAddress, signal?: AbortSignal): Promise<Buffer> {
    if (a.kind === 'key') return a.signingKey
    if (a.kind === 'bit') {
      const key = await (bitResolver ?? o.resolveBit)?.(a.name, signal)
      if (key === undefined) throw new MailError(MailErrorCode.NO_MAILBOX, `${a.name}@bit: no "tornet-mail" key in the Namecoin record d/${a.name} (or no .bit resolver on this node)`)
      return key
    }
    let target: NameTarget
    try {
      ({ target } = await o.names.lookup(a.name, { signal }))
    } catch (err) {
      throw new MailError(MailErrorCode.NO_MAILBOX, `${a.name}@tor-net: the name ${a.name}.tor-net was not found (${(err as Error).message})`, { cause: err })
    }
    if (target.kind !== 'mailbox') throw new MailError(MailErrorCode.NO_MAILBOX, `${a.name}.tor-net names ${target.kind === 'content' ? 'content' : `a ${target.kind}`}, not a mailbox`)
    return target.value
  }

  async function resolveAddress (text: string, signal?: AbortSignal): Promise<MailRecipient> {
    const parsed = parseAddress(text)
    const signingKey = await signingKeyOf(parsed, signal)
    const mailboxId = mailboxIdOf(signingKey)
    const record = await net.findMailbox(mailboxId, signal)
    if (record === undefined) throw new MailError(MailErrorCode.NO_MAILBOX, `${formatAddress(parsed)}: no mailbox record on the network (its owner has not announced it, or has been away a week); try again later`)
    return { address: formatAddress(parsed), mailboxId, signingKey, encryptionKey: record.encryptionKey }
  }

  function fromAddress (k: MailKeys): string {
    const names = ownNames()
    return names.length > 0 ? `${names[0]}@tor-net` : keyAddress(k.signingKey)
  }

  /** Seals `raw` to each recipient, publishes, pushes; stores it in `sent` (pending). */
  async function deliver (raw: Buffer, to: string[], opts: { onProgress?: (p: SendProgress) => void, signal?: AbortSignal }): Promise<MessageSummary> {
    const k = await needKeys()
    const { onProgress, signal } = opts
    onProgress?.({ phase: 'resolving', done: 0, total: to.length })
    const recipients: MailRecipient[] = []
    for (const address of to) {
      recipients.push(await resolveAddress(address, signal))
      onProgress?.({ phase: 'resolving', done: recipients.length, total: to.length })
    }
    const s = await store()
    const summary = await s.add('sent', raw, { unread: false, delivery: 'pending' })
    let pushed = 0
    const failures: Error[] = []
    for (const r of recipients) {
      let hash: Buffer | undefined
      try {
        const sealed = sealMail(raw, k, { mailboxId: r.mailboxId, encryptionKey: r.encryptionKey })
        onProgress?.({ phase: 'publishing' })
        const file = await o.publish(sealed, signal)
        hash = sha256(sealed)
        await outbox.add(hash, { storeId: summary.id, recipient: r.signingKey, chunkIds: file.chunkIds })
        const item = encodePushItem({ kind: 'message', rootId: file.rootId, rootKey: file.rootKey })
        await net.push(r.mailboxId, item, {
          signal,
          onStamp: p => onProgress?.({ phase: 'stamping', done: p.hashes }),
          onPushed: n => onProgress?.({ phase: 'pushing', done: n })
        })
        pushed++
      } catch (err) {
        // No receipt will come for a copy no host took: its chunks need not stay pinned.
        const settled = hash === undefined ? undefined : await outbox.settle(hash).catch(() => undefined)
        if (settled !== undefined) await o.unpin(settled.entry.chunkIds).catch(() => undefined)
        failures.push(err as Error)
        log('warn', `mail to ${r.address} was not pushed: ${(err as Error).message}`)
      }
    }
    if (pushed === 0) {
      await s.setDelivery(summary.id, 'failed')
      changed()
      throw failures[0]
    }
    onProgress?.({ phase: 'done' })
    changed()
    return { ...summary, delivery: 'pending' }
  }

  async function send (mail: OutgoingMail, opts: { onProgress?: (p: SendProgress) => void, signal?: AbortSignal } = {}): Promise<MessageSummary> {
    const k = await needKeys()
    const { raw } = await composeMessage(mail, fromAddress(k))
    return await deliver(raw, [...mail.to, ...(mail.cc ?? [])].map(normalizeAddress), opts)
  }

  async function sendRaw (message: Buffer, envelopeTo: string[], opts: { onProgress?: (p: SendProgress) => void } = {}): Promise<MessageSummary> {
    if (envelopeTo.length === 0) throw new MailError(MailErrorCode.BAD_ARGUMENT, 'a message needs at least one recipient')
    return await deliver(message, envelopeTo.map(normalizeAddress), opts)
  }

  /** One collected item: true when dealt with (stored, set aside, taken in, or a duplicate). */
  async function take (k: MailKeys, s: MailStore, c: CollectedFrom, result: CheckResult): Promise<boolean> {
    const item = tryDecode(decodePushItem, c.item)
    if (item === undefined) return true // a host vouched for it; nothing here can use it
    if (item.kind === 'receipt') {
      if (!verifyReceipt(item)) return true
      const entry = outbox.get(item.messageHash)
      if (entry === undefined || !entry.recipient.equals(item.signingKey)) return true
      const settled = await outbox.settle(item.messageHash)
      if (settled === undefined) return true
      await o.unpin(settled.entry.chunkIds).catch(() => undefined)
      if (settled.others === 0) await s.setDelivery(settled.entry.storeId, 'delivered').catch(() => undefined)
      result.receipts++
      return true
    }
    let sealed: Buffer
    try {
      sealed = await o.fetch(item.rootId, item.rootKey, stopping.signal)
    } catch (err) {
      log('debug', `a pushed message could not be fetched yet: ${(err as Error).message}`)
      return false // stays at the hosts; the next check tries again
    }
    const hash = sha256(sealed)
    if (await s.findByHash(hash) !== undefined) return true
    try {
      const opened = openMail(sealed, k)
      await s.add('inbox', opened.plain, { unread: true, hash, senderAddress: keyAddress(opened.senderSigningKey) })
      result.received++
      await owed.add(hash, opened.senderSigningKey)
    } catch (err) {
      const reason = isTornetError(err) ? `${err.code}: ${err.message}` : `unreadable: ${(err as Error).message}`
      await s.add('aside', sealed.length > MAX_SEALED_BYTES ? sealed.subarray(0, 0) : sealed, { unread: false, hash, asideReason: reason })
      result.aside++
    }
    return true
  }

  async function payReceipts (k: MailKeys): Promise<void> {
    for (const { hash, sender } of owed.entries()) {
      if (stopping.signal.aborted) return
      try {
        await net.push(mailboxIdOf(sender), encodePushItem(signReceipt(k.signingSecret, k.signingKey, hash)), { signal: stopping.signal })
        await owed.remove(hash)
      } catch (err) {
        log('debug', `a receipt is not delivered yet (retried at the next check): ${(err as Error).message}`)
      }
    }
  }

  async function checkOnce (): Promise<CheckResult> {
    const k = await needKeys()
    const s = await store()
    const result: CheckResult = { received: 0, receipts: 0, aside: 0 }
    await net.collect(k, async items => {
      const done = new Set<string>()
      for (const c of items) if (await take(k, s, c, result)) done.add(c.item.toString('hex'))
      return done
    }, stopping.signal)
    if (result.received + result.receipts + result.aside > 0) changed()
    // Receipts cost a stamp each: sent after the new mail is in, so it shows at once.
    await payReceipts(k)
    return result
  }

  /** Runs a check, or joins the one running (and runs one more after it when asked again meanwhile). */
  async function check (): Promise<CheckResult> {
    if (checking !== undefined) { again = true; return await checking }
    checking = (async () => {
      try {
        let r = await checkOnce()
        while (again && running) {
          again = false
          const more = await checkOnce()
          r = { received: r.received + more.received, receipts: r.receipts + more.receipts, aside: r.aside + more.aside }
        }
        return r
      } finally { checking = undefined; again = false }
    })()
    return await checking
  }

  function backgroundCheck (): void {
    if (!running || keys === undefined || o.online?.() === false) return
    lastCheck = Date.now()
    check().catch((err: Error) => log('warn', `checking mail failed: ${err.message}`))
  }

  /**
   * A host's notification (unauthenticated: anyone may send one) prompts a check, at most one
   * per NOTIFY_GAP_MS: a flood of them costs a check every half second, not one per packet.
   */
  function onNotified (): void {
    if (notifyTimer !== undefined) return
    const wait = Math.max(0, lastCheck + NOTIFY_GAP_MS - Date.now())
    if (wait === 0) { backgroundCheck(); return }
    notifyTimer = setTimeout(() => { notifyTimer = undefined; backgroundCheck() }, wait)
    notifyTimer.unref()
  }

  function scheduleTimer (): void {
    const every = o.checkIntervalMs ?? 30_000
    if (!running || timer !== undefined || every <= 0) return
    timer = setInterval(backgroundCheck, every)
    timer.unref()
  }

  async function saveDraft (mail: OutgoingMail, replaces?: string): Promise<MessageSummary> {
    const s = await store()
    const from = keys === undefined ? '' : fromAddress(keys)
    // A draft may be unfinished: only the recipients that parse are kept, and one with none has no
    // To header (the composer needs one, so it is written to the sender and that line dropped).
    const to = mail.to.filter(valid)
    const cc = (mail.cc ?? []).filter(valid)
    const sender = from === '' ? 'draft@tor-net' : from
    let { raw } = await composeMessage({ ...mail, to: to.length + cc.length === 0 ? [sender] : to, cc }, sender)
    if (to.length + cc.length === 0) raw = withoutHeader(raw, 'to')
    const summary = await s.add('drafts', raw, { unread: false })
    if (replaces !== undefined) {
      const old = await s.summary(replaces)
      if (old?.folder === 'drafts') { await s.move(replaces, 'trash'); await s.delete(replaces) }
    }
    changed()
    return summary
  }

  async function complete (prefix: string, limit = 10): Promise<string[]> {
    const p = prefix.trim().toLowerCase()
    const s = await store()
    const out = new Set<string>()
    for (const c of await s.contacts()) if (c.address.startsWith(p) || c.name.toLowerCase().startsWith(p)) out.add(c.address)
    for (const n of ownNames()) if (`${n}@tor-net`.startsWith(p)) out.add(`${n}@tor-net`)
    return [...out].slice(0, Math.max(0, limit))
  }

  const withChange = <A extends unknown[]>(f: (s: MailStore, ...a: A) => Promise<void>) => async (...a: A): Promise<void> => {
    await f(await store(), ...a)
    changed()
  }

  return {
    useBitResolver: (resolve) => { bitResolver = resolve },
    mailbox: () => keys === undefined ? undefined : info(keys),
    createMailbox,
    resolveAddress: async text => await resolveAddress(text),
    send,
    sendRaw,
    check,
    list: async (folder: MailFolder, opts) => await (await store()).list(folder, opts),
    counts: async () => await (await store()).counts(),
    read: async id => await (await store()).get(id),
    raw: async id => await (await store()).raw(id),
    attachment: async (id, index) => await (await store()).attachment(id, index),
    setUnread: withChange(async (s, id: string, unread: boolean) => { await s.setUnread(id, unread) }),
    move: withChange(async (s, id: string, folder: MailFolder) => { await s.move(id, folder) }),
    delete: withChange(async (s, id: string) => { await s.delete(id) }),
    saveDraft,
    contacts: async (): Promise<Contact[]> => await (await store()).contacts(),
    addContact: withChange(async (s, c: Contact) => { await s.addContact(c) }),
    removeContact: withChange(async (s, address: string) => { await s.removeContact(address) }),
    complete,
    onChange: (listener) => { listeners.add(listener); return () => { listeners.delete(listener) } },
    start: () => {
      if (running) return
      running = true
      stopping = new AbortController()
      net.onNotify = onNotified
      loading = loadMailKeys(o.dataDir).then(k => {
        if (k === undefined || !running) return
        keys = k
        scheduleTimer()
        // Re-announced at once: while this node was away its hosts may have changed.
        net.announce(k, stopping.signal).catch(() => undefined).finally(backgroundCheck)
      }).catch((err: Error) => { log('warn', `the mail keys could not be read: ${err.message}`) })
    },
    stop: async () => {
      running = false
      stopping.abort()
      if (timer !== undefined) clearInterval(timer)
      clearTimeout(notifyTimer)
      timer = undefined
      notifyTimer = undefined
      await checking?.catch(() => undefined)
      if (storePromise !== undefined) await (await storePromise).close()
      storePromise = undefined
    }
  }
}

/** The message without one header field (and its folded continuation lines). */
function withoutHeader (raw: Buffer, field: string): Buffer {
  const text = raw.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return raw
  const lines = text.slice(0, end).split('\r\n')
  const kept: string[] = []
  let dropping = false
  for (const line of lines) {
    if (/^[ \t]/.test(line)) { if (!dropping) kept.push(line); continue }
    dropping = line.toLowerCase().startsWith(`${field}:`)
    if (!dropping) kept.push(line)
  }
  return Buffer.from(kept.join('\r\n') + text.slice(end), 'latin1')
}

function valid (address: string): boolean {
  try { normalizeAddress(address); return true } catch { return false }
}
