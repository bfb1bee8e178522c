/**
 * One IMAP connection: the RFC 3501 state machine (not authenticated →
 * authenticated → selected → logout) over the command reader, answering
 * through a write callback (no socket here, so tests drive it directly).
 * Commands run one at a time in arrival order; a client that queues more
 * than MAX_QUEUED is told BYE. A failing MailApi call answers NO with its
 * reason; nothing a client sends can throw out of this class.
 */
import { passwordMatches } from '../bridge-password.js'
import { IMAP_FOLDERS, imapFolder, listFolder, type BridgeMail } from '../mail-port.js'
import { fetchResponse } from './fetch-response.js'
import { needsRaw, parseFetchItems, setsSeen, type FetchItem } from './fetch-items.js'
import { joinParts, type ResponsePart } from './imap-encode.js'
import { ImapCommandReader, type ImapReaderLimits } from './imap-reader.js'
import { astringOf, type ImapCommand, type ImapValue } from './imap-tokens.js'
import { parseSearch } from './search-keys.js'
import { DeletedMarks, SelectedMailbox } from './selected-mailbox.js'
import { parseSequenceSet, type SequenceRange } from './sequence-set.js'
import type { UidStore } from './uid-store.js'

export const CAPABILITIES = 'IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+ IDLE MOVE UNSELECT SPECIAL-USE'
const MAX_QUEUED = 64
const MAX_FAILED_LOGINS = 3

export interface ImapSessionOptions {
  mail: BridgeMail
  uids: UidStore
  deleted: DeletedMarks
  password: string
  /** Writes bytes to the client; resolves when the socket can take more. */
  write: (data: Buffer) => Promise<void> | void
  /** Ends the connection (after BYE or LOGOUT). */
  close: () => void
  limits?: Partial<ImapReaderLimits>
}

type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout'

class CommandRefused extends Error {
  constructor (readonly status: 'NO' | 'BAD', message: string) { super(message) }
}

export class ImapSession {
  private state: State = 'not-authenticated'
  private readonly reader: ImapCommandReader
  private selected: SelectedMailbox | undefined
  private queue: Promise<void> = Promise.resolve()
  private queued = 0
  private failedLogins = 0
  private waitingLine: ((text: string) => void) | undefined
  private closed = false

  constructor (private readonly opts: ImapSessionOptions) {
    this.reader = new ImapCommandReader(opts.limits)
  }

  /** The greeting, sent once on connect. */
  greet (): void {
    void this.line(`* OK [CAPABILITY ${CAPABILITIES}] Tornet mail bridge ready`)
  }

  /** Bytes from the client. */
  receive (chunk: Buffer): void {
    if (this.closed) return
    for (const event of this.reader.push(chunk)) {
      switch (event.kind) {
        case 'continue': void this.line('+ ready for the literal'); break
        case 'line': {
          const waiting = this.waitingLine
          this.waitingLine = undefined
          waiting?.(event.text)
          break
        }
        case 'fatal': this.bye(event.text); return
        case 'bad': this.enqueue(async () => { await this.line(`${event.tag ?? '*'} BAD ${event.text}`) }); break
        case 'command': this.enqueue(async () => { await this.run(event.command) }); break
      }
    }
  }

  /** The connection ended (client gone, server stopping). */
  end (): void {
    this.closed = true
    this.waitingLine?.('')
    this.waitingLine = undefined
  }

  /** Tells the client the server is going away. */
  bye (text: string): void {
    if (this.closed) return
    void this.line(`* BYE ${text}`)
    this.closed = true
    this.opts.close()
  }

  private enqueue (task: () => Promise<void>): void {
    if (++this.queued > MAX_QUEUED) { this.bye(`more than ${MAX_QUEUED} commands waiting`); return }
    this.queue = this.queue.then(async () => {
      if (this.closed) return
      try { await task() } catch (err) { this.bye(`internal error: ${(err as Error).message}`) }
    }).finally(() => { this.queued-- })
  }

  private async line (text: string): Promise<void> {
    if (this.closed) return
    await this.opts.write(Buffer.from(text + '\r\n', 'utf8'))
  }

  private async parts (parts: ResponsePart[]): Promise<void> {
    if (this.closed) return
    await this.opts.write(joinParts(parts))
  }

  private async run (cmd: ImapCommand): Promise<void> {
    try {
      const text = await this.dispatch(cmd)
      if (this.state === 'logout') {
        await this.line(`${cmd.tag} OK ${text}`)
        this.closed = true
        this.opts.close()
        return
      }
      await this.line(`${cmd.tag} OK ${text}`)
    } catch (err) {
      if (err instanceof CommandRefused) {
        await this.line(`${cmd.tag} ${err.status} ${err.message}`)
        return
      }
      // A MailApi failure: the client gets the reason, the connection goes on.
      const code = (err as { code?: unknown }).code
      await this.line(`${cmd.tag} NO ${typeof code === 'string' ? `(${code}) ` : ''}${oneLine((err as Error).message)}`)
    }
  }

  private async dispatch (cmd: ImapCommand): Promise<string> {
    const a = cmd.args
    switch (cmd.name) {
      case 'CAPABILITY':
        await this.line(`* CAPABILITY ${CAPABILITIES}`)
        return 'CAPABILITY completed'
      case 'NOOP':
      case 'CHECK':
        if (this.selected !== undefined) await this.report(await this.selected.refresh())
        return `${cmd.name} completed`
      case 'LOGOUT':
        await this.line('* BYE logging out')
        this.state = 'logout'
        return 'LOGOUT completed'
      case 'STARTTLS':
        throw new CommandRefused('BAD', 'no TLS: the bridge listens on 127.0.0.1 only')
    }
    if (this.state === 'not-authenticated') {
      if (cmd.name === 'LOGIN') return await this.login(astringOf(a[0]), astringOf(a[1]), a.length === 2)
      if (cmd.name === 'AUTHENTICATE') return await this.authenticate(a)
      throw new CommandRefused('BAD', `${cmd.name} is not valid before LOGIN (or unknown)`)
    }
    switch (cmd.name) {
      case 'LOGIN':
      case 'AUTHENTICATE': throw new CommandRefused('BAD', 'already authenticated')
      case 'SELECT':
      case 'EXAMINE': return await this.select(astringOf(a[0]), cmd.name === 'EXAMINE', a.length === 1)
      case 'LIST':
      case 'LSUB': {
        // RFC 5258/6154 forms: LIST (SPECIAL-USE) "" "*" and LIST "" "*" RETURN (SPECIAL-USE).
        const selection = cmd.name === 'LIST' && a[0]?.kind === 'list' ? a[0].items.map((v) => astringOf(v)?.toUpperCase()) : undefined
        const rest = selection === undefined ? a : a.slice(1)
        const returns = rest.length === 4 && astringOf(rest[2])?.toUpperCase() === 'RETURN' && rest[3].kind === 'list'
        const args = returns ? rest.slice(0, 2) : rest
        return await this.list(cmd.name, astringOf(args[0]), astringOf(args[1]), args.length === 2, selection?.includes('SPECIAL-USE') === true)
      }
      case 'STATUS': return await this.status(astringOf(a[0]), a[1], a.length === 2)
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        if (imapFolder(astringOf(a[0]) ?? '') === undefined) throw new CommandRefused('NO', '[NONEXISTENT] no such mailbox')
        return `${cmd.name} completed (every Tornet folder is always subscribed)`
      case 'CREATE':
      case 'DELETE':
      case 'RENAME':
        throw new CommandRefused('NO', `[CANNOT] Tornet mail has the fixed folders ${IMAP_FOLDERS.map((f) => f.name).join(', ')}`)
      case 'APPEND':
        throw new CommandRefused('NO', '[CANNOT] the bridge takes no APPEND: sent mail is already kept in Sent (turn off "Place a copy in Sent" in the mail client)')
    }
    if (this.state !== 'selected' || this.selected === undefined) {
      throw new CommandRefused('BAD', `${cmd.name} needs a selected mailbox (or is unknown)`)
    }
    const sel = this.selected
    switch (cmd.name) {
      case 'CLOSE':
      case 'UNSELECT':
        if (cmd.name === 'CLOSE' && !sel.readOnly) await this.expunge(sel, false)
        this.selected = undefined
        this.state = 'authenticated'
        return `${cmd.name} completed`
      case 'EXPUNGE':
        this.writable(sel)
        await this.expunge(sel, true)
        return 'EXPUNGE completed'
      case 'FETCH': return await this.fetch(sel, a, false)
      case 'STORE': return await this.store(sel, a, false)
      case 'SEARCH': return await this.search(sel, a, false)
      case 'MOVE': return await this.move(sel, a, false)
      case 'COPY': throw new CommandRefused('NO', '[CANNOT] a Tornet message is in one folder at a time: use MOVE')
      case 'IDLE': return await this.idle(sel)
      case 'UID': {
        const sub = a[0]?.kind === 'atom' ? a[0].text.toUpperCase() : ''
        const rest = a.slice(1)
        if (sub === 'FETCH') return await this.fetch(sel, rest, true)
        if (sub === 'STORE') return await this.store(sel, rest, true)
        if (sub === 'SEARCH') return await this.search(sel, rest, true)
        if (sub === 'MOVE') return await this.move(sel, rest, true)
        if (sub === 'COPY') throw new CommandRefused('NO', '[CANNOT] a Tornet message is in one folder at a time: use MOVE')
        throw new CommandRefused('BAD', `UID ${sub.slice(0, 20)} is not supported`)
      }
    }
    throw new CommandRefused('BAD', `unknown command ${cmd.name.slice(0, 30)}`)
  }

  private async login (user: string | undefined, pass: string | undefined, shapeOk: boolean): Promise<string> {
    if (!shapeOk || user === undefined || pass === undefined) throw new CommandRefused('BAD', 'LOGIN needs a user name and a password')
    return await this.checkCredentials(user, pass)
  }

  private async authenticate (args: ImapValue[]): Promise<string> {
    const mech = astringOf(args[0])?.toUpperCase()
    if (mech !== 'PLAIN' || args.length > 2) throw new CommandRefused('NO', '[CANNOT] only AUTHENTICATE PLAIN is offered')
    let response = astringOf(args[1])
    if (response === undefined) {
      this.reader.expectLine()
      const answer = new Promise<string>((resolve) => { this.waitingLine = resolve })
      await this.line('+ ')
      response = await answer
    }
    if (response === '*') throw new CommandRefused('BAD', 'authentication cancelled')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(response)) throw new CommandRefused('BAD', 'the PLAIN response is not base64')
    // PLAIN (RFC 4616): authzid NUL authcid NUL password.
    const fields = Buffer.from(response, 'base64').toString('utf8').split('\0')
    if (fields.length !== 3) throw new CommandRefused('BAD', 'the PLAIN response is not authzid NUL user NUL password')
    if (fields[0] !== '' && fields[0].toLowerCase() !== fields[1].toLowerCase()) throw new CommandRefused('NO', '[AUTHORIZATIONFAILED] acting as another user is not possible')
    return await this.checkCredentials(fields[1], fields[2])
  }

  private async checkCredentials (user: string, pass: string): Promise<string> {
    const box = this.opts.mail.mailbox()
    if (box === undefined) throw new CommandRefused('NO', '[UNAVAILABLE] this node has no mailbox yet: create one with "tornet mail new"')
    const u = user.trim().toLowerCase()
    const userOk = [box.address, ...box.names].some((addr) => addr.toLowerCase() === u)
    if (!passwordMatches(pass, this.opts.password) || !userOk) {
      if (++this.failedLogins >= MAX_FAILED_LOGINS) {
        await this.line('* BYE too many failed logins')
        this.closed = true
        this.opts.close()
      }
      throw new CommandRefused('NO', '[AUTHENTICATIONFAILED] wrong user or password: the user is the mailbox address, the password is shown by "tornet mail-bridge"')
    }
    this.state = 'authenticated'
    return `[CAPABILITY ${CAPABILITIES}] logged in`
  }

  private async select (name: string | undefined, readOnly: boolean, shapeOk: boolean): Promise<string> {
    if (!shapeOk || name === undefined) throw new CommandRefused('BAD', 'SELECT needs one mailbox name')
    // Selecting, even a folder that does not exist, leaves the selected state first (RFC 3501 §6.3.1).
    this.selected = undefined
    this.state = 'authenticated'
    const folder = imapFolder(name)
    if (folder === undefined) throw new CommandRefused('NO', `[NONEXISTENT] no mailbox ${oneLine(name).slice(0, 60)}; there are ${IMAP_FOLDERS.map((f) => f.name).join(', ')}`)
    const sel = new SelectedMailbox(folder, readOnly, this.opts.mail, this.opts.uids, this.opts.deleted)
    await sel.refresh(true)
    const firstUnseen = sel.slots.findIndex((s) => s.summary.unread)
    await this.line('* FLAGS (\\Seen \\Deleted)')
    await this.line(`* OK [PERMANENTFLAGS ${readOnly ? '()' : '(\\Seen \\Deleted)'}] flags kept`)
    await this.line(`* ${sel.slots.length} EXISTS`)
    await this.line('* 0 RECENT')
    if (firstUnseen >= 0) await this.line(`* OK [UNSEEN ${firstUnseen + 1}] first unseen`)
    await this.line(`* OK [UIDVALIDITY ${sel.validity}] UIDs valid`)
    await this.line(`* OK [UIDNEXT ${sel.uidNext}] next UID`)
    this.selected = sel
    this.state = 'selected'
    return `[${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${readOnly ? 'EXAMINE' : 'SELECT'} completed`
  }

  private async list (name: string, reference: string | undefined, pattern: string | undefined, shapeOk: boolean, specialOnly = false): Promise<string> {
    if (!shapeOk || reference === undefined || pattern === undefined) throw new CommandRefused('BAD', `${name} needs a reference and a mailbox pattern`)
    if (pattern === '') {
      await this.line(`* ${name} (\\Noselect) "/" ""`)
      return `${name} completed`
    }
    const full = reference + pattern
    const re = new RegExp('^' + [...full].map((c) => c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('') + '$', 'i')
    for (const f of IMAP_FOLDERS) {
      if (!re.test(f.name) || (specialOnly && f.specialUse === undefined)) continue
      const attrs = ['\\HasNoChildren']
      if (name === 'LIST' && f.specialUse !== undefined) attrs.push(f.specialUse)
      await this.line(`* ${name} (${attrs.join(' ')}) "/" "${f.name}"`)
    }
    return `${name} completed`
  }

  private async status (name: string | undefined, items: ImapValue | undefined, shapeOk: boolean): Promise<string> {
    if (!shapeOk || name === undefined || items?.kind !== 'list' || items.items.length === 0) throw new CommandRefused('BAD', 'STATUS needs a mailbox and a list of items')
    const folder = imapFolder(name)
    if (folder === undefined) throw new CommandRefused('NO', '[NONEXISTENT] no such mailbox')
    const summaries = await listFolder(this.opts.mail, folder.folder)
    await this.opts.uids.sync(folder.folder, summaries.map((s) => s.id))
    const out: string[] = []
    for (const item of items.items) {
      const word = item.kind === 'atom' ? item.text.toUpperCase() : ''
      if (word === 'MESSAGES') out.push(`MESSAGES ${summaries.length}`)
      else if (word === 'RECENT') out.push('RECENT 0')
      else if (word === 'UIDNEXT') out.push(`UIDNEXT ${this.opts.uids.next(folder.folder)}`)
      else if (word === 'UIDVALIDITY') out.push(`UIDVALIDITY ${this.opts.uids.validity(folder.folder)}`)
      else if (word === 'UNSEEN') out.push(`UNSEEN ${summaries.filter((s) => s.unread).length}`)
      else throw new CommandRefused('BAD', `unknown STATUS item ${word.slice(0, 30)}`)
    }
    await this.line(`* STATUS "${folder.name}" (${out.join(' ')})`)
    return 'STATUS completed'
  }

  private sequence (value: ImapValue | undefined): SequenceRange[] {
    const ranges = value?.kind === 'atom' ? parseSequenceSet(value.text) : undefined
    if (ranges === undefined) throw new CommandRefused('BAD', 'expected a sequence set such as 1:5,7 or 3:*')
    return ranges
  }

  private writable (sel: SelectedMailbox): void {
    if (sel.readOnly) throw new CommandRefused('NO', '[READ-ONLY] the mailbox was opened with EXAMINE')
  }

  private async fetch (sel: SelectedMailbox, args: ImapValue[], byUid: boolean): Promise<string> {
    if (args.length !== 2) throw new CommandRefused('BAD', 'FETCH needs a sequence set and data items')
    const ranges = this.sequence(args[0])
    const parsed = parseFetchItems(args[1])
    if (!parsed.ok) throw new CommandRefused('BAD', parsed.error)
    let items: FetchItem[] = parsed.items
    if (byUid && !items.some((i) => i.kind === 'uid')) items = [{ kind: 'uid' }, ...items]
    const marksSeen = setsSeen(items) && !sel.readOnly
    if (marksSeen && !items.some((i) => i.kind === 'flags')) items = [...items, { kind: 'flags' }]
    const withRaw = needsRaw(items)
    for (const { seq, slot } of sel.select(ranges, byUid)) {
      const raw = withRaw ? await this.opts.mail.raw(slot.summary.id) : undefined
      // Gone since the last refresh (moved by the webmail): say nothing; the next NOOP expunges it.
      if (withRaw && raw === undefined) continue
      if (marksSeen && slot.summary.unread) {
        await this.opts.mail.setUnread(slot.summary.id, false)
        slot.summary = { ...slot.summary, unread: false }
      }
      await this.parts(fetchResponse(items, { seq, uid: slot.uid, flags: sel.flagsOf(slot), date: slot.summary.date, raw }))
    }
    return `${byUid ? 'UID ' : ''}FETCH completed`
  }

  private async store (sel: SelectedMailbox, args: ImapValue[], byUid: boolean): Promise<string> {
    this.writable(sel)
    if (args.length < 3) throw new CommandRefused('BAD', 'STORE needs a sequence set, FLAGS/+FLAGS/-FLAGS and flags')
    const ranges = this.sequence(args[0])
    const op = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(args[1].kind === 'atom' ? args[1].text : '')
    if (op === null) throw new CommandRefused('BAD', 'STORE takes FLAGS, +FLAGS or -FLAGS (with .SILENT)')
    const flagValues = args.length === 3 && args[2].kind === 'list' ? args[2].items : args.slice(2)
    const flags = new Set<string>()
    for (const f of flagValues) {
      if (f.kind !== 'atom') throw new CommandRefused('BAD', 'flags are atoms such as \\Seen')
      flags.add(f.text.toLowerCase())
    }
    const seen = flags.has('\\seen')
    const deleted = flags.has('\\deleted')
    for (const { seq, slot } of sel.select(ranges, byUid)) {
      const wasSeen = !slot.summary.unread
      const wasDeleted = sel.isDeleted(slot)
      const nowSeen = op[1] === '+' ? wasSeen || seen : op[1] === '-' ? wasSeen && !seen : seen
      const nowDeleted = op[1] === '+' ? wasDeleted || deleted : op[1] === '-' ? wasDeleted && !deleted : deleted
      if (nowSeen !== wasSeen) {
        await this.opts.mail.setUnread(slot.summary.id, !nowSeen)
        slot.summary = { ...slot.summary, unread: !nowSeen }
      }
      if (nowDeleted !== wasDeleted) sel.deleted.set(sel.folder.folder, slot.summary.id, nowDeleted)
      if (op[2] === undefined) await this.line(`* ${seq} FETCH (${byUid ? `UID ${slot.uid} ` : ''}FLAGS ${sel.flagsOf(slot)})`)
    }
    return `${byUid ? 'UID ' : ''}STORE completed`
  }

  private async search (sel: SelectedMailbox, args: ImapValue[], byUid: boolean): Promise<string> {
    const parsed = parseSearch(args)
    if (!parsed.ok) throw new CommandRefused(parsed.error.startsWith('[BADCHARSET') ? 'NO' : 'BAD', parsed.error)
    const ctx = { maxSeq: sel.slots.length, maxUid: sel.maxUid }
    const hits: number[] = []
    sel.slots.forEach((slot, i) => {
      const s = slot.summary
      if (parsed.match({ seq: i + 1, uid: slot.uid, unread: s.unread, deleted: sel.isDeleted(slot), from: s.from, to: s.to, subject: s.subject }, ctx)) {
        hits.push(byUid ? slot.uid : i + 1)
      }
    })
    await this.line('* SEARCH' + hits.map((n) => ' ' + String(n)).join(''))
    return `${byUid ? 'UID ' : ''}SEARCH completed`
  }

  private async move (sel: SelectedMailbox, args: ImapValue[], byUid: boolean): Promise<string> {
    this.writable(sel)
    if (args.length !== 2) throw new CommandRefused('BAD', 'MOVE needs a sequence set and a mailbox')
    const ranges = this.sequence(args[0])
    const target = imapFolder(astringOf(args[1]) ?? '')
    if (target === undefined) throw new CommandRefused('NO', '[TRYCREATE] no such mailbox')
    if (target.folder === sel.folder.folder) throw new CommandRefused('NO', '[CANNOT] the message is already in that folder')
    for (const { slot } of sel.select(ranges, byUid)) {
      sel.deleted.set(sel.folder.folder, slot.summary.id, false)
      await this.opts.mail.move(slot.summary.id, target.folder)
    }
    await this.report(await sel.refresh())
    return `${byUid ? 'UID ' : ''}MOVE completed`
  }

  /** Deletes the messages marked \Deleted (to Trash; from Trash, for good). */
  private async expunge (sel: SelectedMailbox, report: boolean): Promise<void> {
    for (const slot of sel.slots) {
      if (!sel.isDeleted(slot)) continue
      sel.deleted.set(sel.folder.folder, slot.summary.id, false)
      await this.opts.mail.delete(slot.summary.id)
    }
    const lines = await sel.refresh()
    if (report) await this.report(lines)
  }

  private async idle (sel: SelectedMailbox): Promise<string> {
    let pending = Promise.resolve()
    let done = false
    const unsubscribe = this.opts.mail.onChange(() => {
      // Changes come in bursts (a check brings several messages): refreshes run one after another.
      pending = pending.then(async () => { if (!done) await this.report(await sel.refresh()) }).catch(() => {})
    })
    try {
      this.reader.expectLine()
      const answer = new Promise<string>((resolve) => { this.waitingLine = resolve })
      await this.line('+ idling')
      const text = await answer
      done = true
      await pending
      if (text.toUpperCase() !== 'DONE') throw new CommandRefused('BAD', 'IDLE ends with DONE')
      return 'IDLE terminated'
    } finally {
      done = true
      unsubscribe()
    }
  }

  private async report (lines: string[]): Promise<void> {
    for (const l of lines) await this.line(l)
  }
}

function oneLine (text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 300)
}
